namespace Stratum.Lvm.Tests;

public sealed class LeftoverComponentsTests
{
    [Theory]
    [InlineData("  Activation of logical volume tv/pool0 is prohibited while logical volume tv/pool0_tmeta is active.\n  Aborting. Failed to locally activate thin pool tv/pool0.\n", "tv/pool0_tmeta")]
    [InlineData("  Activation of logical volume tv/t1 is prohibited while logical volume tv/pool0_tmeta is active.\n", "tv/pool0_tmeta")]
    [InlineData("  Activation of logical volume tv/pool0 is prohibited while logical volume tv/pool0_tdata is active.\n", "tv/pool0_tdata")]
    [InlineData("  Activation of logical volume vg/r1 is prohibited while logical volume vg/r1_rimage_0 is active.\n", "vg/r1_rimage_0")]
    [InlineData("  Cannot resize logical volume tv/pool0 with active component LV(s).\n", "tv/pool0_tmeta,tv/pool0_tdata")]
    public void InTheWay_LvmNamesAnActiveComponent_ReturnsIt(string stderr, string expected)
    {
        Assert.Equal(expected.Split(','), LeftoverComponents.InTheWay(stderr));
    }

    [Theory]
    [InlineData("  Activation of logical volume tv/pool0 is prohibited while logical volume tv/data is active.\n")] // not a component name
    [InlineData("  Activation of logical volume tv/pool0 is prohibited while logical volume bad!vg/pool0_tmeta is active.\n")] // not a VG name
    [InlineData("  Logical volume tv/a in use.\n")]
    [InlineData("  Insufficient free space: 25597 extents needed, but only 497 available\n")]
    [InlineData("")]
    public void InTheWay_OtherFailure_ReturnsNothing(string stderr)
    {
        Assert.Empty(LeftoverComponents.InTheWay(stderr));
    }
}
