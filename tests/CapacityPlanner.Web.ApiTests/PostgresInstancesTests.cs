using System.Net;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>Several app instances on one PostgreSQL database: one migrates while the other waits, both see every save, both read each other's protected data.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresInstancesTests(PostgresServer server)
{
    [Fact]
    public async Task Two_instances_on_one_database_share_saves_links_and_data_protection_keys()
    {
        var connectionString = await server.CreateDatabaseAsync("instances");
        // Both start at once on an empty database: EF Core's migration lock lets one create the schema.
        var started = await Task.WhenAll(
            TestApp.StartAsync(TestApp.Postgres(connectionString)),
            TestApp.StartAsync(TestApp.Postgres(connectionString)));
        await using var a = started[0];
        await using var b = started[1];
        Assert.True(a.Services.GetRequiredService<CapacityPlannerDbContextFactory>().IsPostgres);
        Assert.NotEqual(a.BaseAddress, b.BaseAddress);

        var created = await (await a.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("saved in A"))).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;

        var inB = await (await b.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("saved in A", inB.GetProperty("summary").GetProperty("name").GetString());
        var redirect = await b.Client.GetAsync($"s/{id}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/?s=" + created.GetProperty("token").GetString(), redirect.Headers.Location!.OriginalString);
        Assert.Contains((await (await b.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            s => s.GetProperty("id").GetString() == id);

        await (await b.Client.PatchAsync($"api/scenarios/{id}", Http.Content("""{"name":"renamed in B"}"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("renamed in B", (await (await a.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK)).GetProperty("summary").GetProperty("name").GetString());

        // Cookies and antiforgery tokens protected by one instance open in the other: the key ring is in the database.
        var fromA = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("shared").Protect("circuit state");
        Assert.Equal("circuit state", b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("shared").Unprotect(fromA));

        // Saves spread over both instances at once all land.
        var saves = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var app = i % 2 == 0 ? a : b;
            return (await (await app.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named($"both {i}"))).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }));
        Assert.Equal(20, saves.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(21, (await (await a.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Saved_scenarios_survive_a_restart_on_postgres()
    {
        var connectionString = await server.CreateDatabaseAsync("restart");
        string id;
        await using (var first = await TestApp.StartAsync(TestApp.Postgres(connectionString)))
        {
            id = (await (await first.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named("before restart"))).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }
        await using var second = await TestApp.StartAsync(TestApp.Postgres(connectionString));
        Assert.Equal("before restart", (await (await second.Client.GetAsync($"api/scenarios/{id}")).ExpectAsync(HttpStatusCode.OK)).GetProperty("summary").GetProperty("name").GetString());
    }
}
