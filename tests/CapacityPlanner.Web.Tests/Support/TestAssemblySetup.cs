using System.Runtime.CompilerServices;

namespace CapacityPlanner.Web.Tests.Support;

/// <summary>
/// CI runs every test project at once on a 2-core machine: bUnit's waits then starve for thread-pool threads
/// ("the renderer's dispatcher did not run the check before the timeout"). A larger pool minimum and a longer
/// default wait keep the component tests deterministic there without slowing them down locally.
/// </summary>
internal static class TestAssemblySetup
{
#pragma warning disable CA2255 // A module initializer is the one hook that runs before any test in the assembly.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Configure()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount * 8), io);
        Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(20);
    }
}
