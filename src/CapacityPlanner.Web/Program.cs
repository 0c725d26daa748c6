using CapacityPlanner.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddCapacityPlanner();

var app = builder.Build();
app.UseCapacityPlanner();
app.Run();
