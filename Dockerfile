# Multi-stage build: the SDK image builds and publishes the dashboard, the ASP.NET runtime image runs it on port 8080.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props CapacityPlanner.sln ./
COPY src/ src/
COPY wwwroot/ wwwroot/
RUN dotnet publish src/CapacityPlanner.Web -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true
EXPOSE 8080
# The embedded SQLite database lives in App_Data under the content root; the non-root app user must own it.
RUN mkdir -p /app/App_Data && chown -R $APP_UID /app/App_Data
VOLUME /app/App_Data
USER $APP_UID
ENTRYPOINT ["dotnet", "CapacityPlanner.Web.dll"]
