using CapacityPlanner.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddCapacityPlanner();
builder.AddCapacityPlannerPersistence();
builder.AddCapacityPlannerApi();
builder.AddCapacityPlannerSecurity();

var app = builder.Build();
app.UseCapacityPlannerSecurity();
app.UseCapacityPlanner();
app.MapCapacityPlannerApi();
app.Run();
