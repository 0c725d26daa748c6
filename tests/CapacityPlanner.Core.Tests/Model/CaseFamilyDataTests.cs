using CapacityPlanner.Core.Planning;

namespace CapacityPlanner.Core.Tests.Model;

/// <summary>software-stacks.json caseFamilies: each family names a stack of the file.</summary>
public sealed class CaseFamilyDataTests
{
    [Fact]
    public void The_shipped_families_name_their_stacks()
    {
        Assert.Equal("torchtitan", SoftwareStackCatalog.Standard.StackForCaseFamily("torchtitan"));
        Assert.Equal("maxtext", SoftwareStackCatalog.Standard.StackForCaseFamily("MaxText"));
        Assert.Null(SoftwareStackCatalog.Standard.StackForCaseFamily("mlperf"));
        Assert.Null(SoftwareStackCatalog.Standard.StackForCaseFamily(null));
    }

    [Fact]
    public void A_family_mapped_to_an_unknown_stack_is_a_data_error()
    {
        var json = Core.EmbeddedData.Read("software-stacks.json").Replace("\"torchtitan\": \"torchtitan\"", "\"torchtitan\": \"nosuch\"", StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => SoftwareStackCatalog.Parse(json));
        Assert.Contains("caseFamilies maps \"torchtitan\" to unknown stack \"nosuch\"", ex.Message, StringComparison.Ordinal);
    }
}
