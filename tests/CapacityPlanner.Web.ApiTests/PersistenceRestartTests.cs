using System.Net;
using CapacityPlanner.Persistence;
using CapacityPlanner.Web.ApiTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CapacityPlanner.Web.ApiTests;

/// <summary>Nothing saved is lost when the app stops and starts again on the same SQLite file.</summary>
public sealed class PersistenceRestartTests
{
    [Fact]
    public async Task Saved_scenarios_survive_a_restart_and_the_file_is_created_with_its_directory()
    {
        using var dir = new TempDirectory();
        var path = dir.File("nested/deeper/capacityplanner.db");
        var ids = new List<string>();
        string deletedId;

        await using (var first = await TestApp.StartAsync(TestApp.Sqlite(path)))
        {
            Assert.True(File.Exists(path), "the SQLite file is created at start-up");
            Assert.Equal(path, first.Services.GetRequiredService<CapacityPlannerDbContextFactory>().SqlitePath);
            for (var i = 0; i < 3; i++)
            {
                var created = await (await first.Client.PostJsonAsync("api/scenarios", Http.Gpt3Named($"restart {i}"))).ExpectAsync(HttpStatusCode.Created);
                ids.Add(created.GetProperty("id").GetString()!);
            }
            deletedId = ids[1];
            await (await first.Client.DeleteAsync($"api/scenarios/{deletedId}")).ExpectAsync(HttpStatusCode.OK);
            await (await first.Client.PatchAsync($"api/scenarios/{ids[2]}", Http.Content("""{"name":"renamed before restart"}"""))).ExpectAsync(HttpStatusCode.OK);
        }

        await using (var second = await TestApp.StartAsync(TestApp.Sqlite(path)))
        {
            var list = await (await second.Client.GetAsync("api/scenarios")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(2, list.GetProperty("total").GetInt32());
            Assert.Equal("restart 0", (await (await second.Client.GetAsync($"api/scenarios/{ids[0]}")).ExpectAsync(HttpStatusCode.OK)).GetProperty("summary").GetProperty("name").GetString());
            Assert.Equal("renamed before restart", (await (await second.Client.GetAsync($"api/scenarios/{ids[2]}")).ExpectAsync(HttpStatusCode.OK)).GetProperty("summary").GetProperty("name").GetString());
            // The delete survived too, and so does its undo.
            await (await second.Client.GetAsync($"api/scenarios/{deletedId}")).ProblemAsync(HttpStatusCode.NotFound);
            await (await second.Client.PostAsync($"api/scenarios/{deletedId}/restore", null)).ExpectAsync(HttpStatusCode.OK);
            var redirect = await second.Client.GetAsync($"s/{ids[0]}");
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        }
    }
}
