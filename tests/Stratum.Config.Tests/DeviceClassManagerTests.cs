namespace Stratum.Config.Tests;

public sealed class DeviceClassManagerTests
{
    private static readonly DeviceClassManager Manager = new(ConfigLoader.LoadFromText(
        """
        deviceClasses:
          - name: fast
            volumeGroup: nvme
            lvcreate: {type: striped, stripes: 2}
          - name: standard
            volumeGroup: sata
            default: true
          - name: mirrored
            volumeGroup: sata
            lvcreate: {type: raid1}
          - name: scratch
            volumeGroup: nvme
        """,
        "config.yaml"));

    [Fact]
    public void Default_ExplicitDefault_IsThatClass() =>
        Assert.Equal("standard", Manager.Default?.Name);

    [Theory]
    [InlineData("fast", "nvme")]
    [InlineData("standard", "sata")]
    [InlineData("mirrored", "sata")]
    [InlineData("scratch", "nvme")]
    public void TryGet_KnownName_ReturnsClass(string name, string volumeGroup)
    {
        Assert.True(Manager.TryGet(name, out var deviceClass));
        Assert.Equal(name, deviceClass.Name);
        Assert.Equal(volumeGroup, deviceClass.VolumeGroup);
    }

    [Theory]
    [InlineData("")]
    [InlineData("slow")]
    [InlineData("FAST")]
    [InlineData(" fast")]
    public void TryGet_UnknownName_False(string name)
    {
        Assert.False(Manager.TryGet(name, out var deviceClass));
        Assert.Null(deviceClass);
    }

    [Theory]
    [InlineData(null, "standard")]
    [InlineData("", "standard")]
    [InlineData("standard", "standard")]
    [InlineData("fast", "fast")]
    [InlineData("mirrored", "mirrored")]
    public void Find_NameOrNone_ReturnsNamedOrDefault(string? name, string expected) =>
        Assert.Equal(expected, Manager.Find(name)?.Name);

    [Theory]
    [InlineData("slow")]
    [InlineData("Standard")]
    public void Find_UnknownName_Null(string name) =>
        Assert.Null(Manager.Find(name));

    [Fact]
    public void All_ConfigOrder() =>
        Assert.Equal(["fast", "standard", "mirrored", "scratch"], Manager.All.Select(c => c.Name));

    [Fact]
    public void VolumeGroups_SharedGroups_DistinctInOrderOfFirstUse() =>
        Assert.Equal(["nvme", "sata"], Manager.VolumeGroups);

    [Fact]
    public void Config_IsTheConfigItWasBuiltFrom()
    {
        var config = new StratumConfig { DeviceClasses = [new DeviceClass { Name = "a", VolumeGroup = "vg0", IsDefault = true }] };

        Assert.Same(config, new DeviceClassManager(config).Config);
    }

    [Fact]
    public void Constructor_HandBuiltSingleClassWithoutDefault_IsDefault()
    {
        var only = new DeviceClass { Name = "only", VolumeGroup = "vg0" };

        var manager = new DeviceClassManager(new StratumConfig { DeviceClasses = [only] });

        Assert.Same(only, manager.Default);
        Assert.Same(only, manager.Find(null));
    }

    public static TheoryData<string, DeviceClass[], string> InvalidConfigs => new()
    {
        { "no classes", [], "at least one device class" },
        {
            "duplicate names",
            [new() { Name = "a", VolumeGroup = "vg0", IsDefault = true }, new() { Name = "a", VolumeGroup = "vg1" }],
            "'a' is used twice"
        },
        {
            "no default",
            [new() { Name = "a", VolumeGroup = "vg0" }, new() { Name = "b", VolumeGroup = "vg0" }],
            "no device class is the default"
        },
        {
            "two defaults",
            [new() { Name = "a", VolumeGroup = "vg0", IsDefault = true }, new() { Name = "b", VolumeGroup = "vg0", IsDefault = true }],
            "2 device classes are marked default"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigs))]
    public void Constructor_HandBuiltInvalidConfig_Throws(string scenario, DeviceClass[] classes, string reason)
    {
        var exception = Assert.Throws<ArgumentException>(() => new DeviceClassManager(new StratumConfig { DeviceClasses = classes }));
        Assert.True(exception.Message.Contains(reason, StringComparison.Ordinal), $"{scenario}: {exception.Message}");
    }

    [Fact]
    public void Constructor_ReloadedConfig_NewIndependentSnapshot()
    {
        var before = Manager;
        var after = new DeviceClassManager(ConfigLoader.LoadFromText("deviceClasses: [{name: other, volumeGroup: vg9}]", "config.yaml"));

        Assert.Equal("standard", before.Default?.Name);
        Assert.Equal("other", after.Default?.Name);
        Assert.Null(after.Find("standard"));
        Assert.NotNull(before.Find("standard"));
    }
}
