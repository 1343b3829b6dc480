using Stratum.Config.Tests.TestSupport;

namespace Stratum.Config.Tests;

public sealed class ExampleConfigTests
{
    private static readonly string ExamplePath = RepoPaths.Get("examples", "config.yaml");

    [Fact]
    public void Load_ShippedExample_OneDefaultLinearClassOnStratum()
    {
        var config = ConfigLoader.Load(ExamplePath);

        var deviceClass = Assert.Single(config.DeviceClasses);
        Assert.Equal(
            new DeviceClass
            {
                Name = "default",
                VolumeGroup = "stratum",
                IsDefault = true,
                SpareBytes = 1L << 30,
                FsType = FileSystemType.Ext4,
                LvCreate = LvCreateSettings.Default,
            },
            deviceClass);
        Assert.Equal(30, config.CapacityRefreshSeconds);
    }

    [Fact]
    public void Load_ShippedExampleWithCommentedClassesEnabled_Valid()
    {
        // The example shows further classes in comments; they must stay valid when uncommented.
        var lines = File.ReadAllLines(ExamplePath);
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("# - name: fast", StringComparison.Ordinal));
        Assert.True(start > 0, "the example no longer shows the commented 'fast' class");
        var enabled = lines.Select((line, i) =>
            i >= start && (line.StartsWith("  # - ", StringComparison.Ordinal) || line.StartsWith("  #   ", StringComparison.Ordinal))
                ? "  " + line[4..]
                : line);

        var config = ConfigLoader.LoadFromText(string.Join('\n', enabled), ExamplePath);

        Assert.Equal(["default", "fast", "mirrored"], config.DeviceClasses.Select(c => c.Name));
        Assert.Equal(1, config.DeviceClasses.Count(c => c.IsDefault));
    }

    [Fact]
    public void Manager_ShippedExample_DefaultFoundWithoutParameter()
    {
        var manager = new DeviceClassManager(ConfigLoader.Load(ExamplePath));

        Assert.Equal("default", manager.Find(null)?.Name);
        Assert.Equal(["stratum"], manager.VolumeGroups);
    }
}
