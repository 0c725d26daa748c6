using CapacityPlanner.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddCapacityPlanner();
builder.AddCapacityPlannerPersistence();
builder.AddCapacityPlannerApi();

var app = builder.Build();
app.UseCapacityPlanner();
app.MapCapacityPlannerApi();
app.Run();
