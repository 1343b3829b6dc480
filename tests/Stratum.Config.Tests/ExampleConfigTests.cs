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

        Assert.Equal(["default", "fast", "mirrored", "thin"], config.DeviceClasses.Select(c => c.Name));
        Assert.Equal(1, config.DeviceClasses.Count(c => c.IsDefault));
        Assert.Equal("pool0", config.DeviceClasses[3].Thin?.Pool);
    }

    [Fact]
    public void Load_ShippedExampleWithCommentedNodesEnabled_Valid()
    {
        // The example shows per-node sections in comments (column 0); they must stay valid when uncommented.
        var lines = File.ReadAllLines(ExamplePath);
        var start = Array.FindIndex(lines, l => l == "# nodes:");
        Assert.True(start > 0, "the example no longer shows the commented 'nodes' list");
        var enabled = lines.Select((line, i) => i >= start && line.StartsWith("# ", StringComparison.Ordinal) ? line[2..] : line);

        var config = ConfigLoader.LoadFromText(string.Join('\n', enabled), ExamplePath);

        Assert.Equal(2, config.Nodes.Count);
        Assert.Empty(config.ForNode(new NodeIdentity("worker-7")).DeviceClasses);
        var nvme = config.ForNode(new NodeIdentity("worker-8", [new("stratum.dev/disks", "nvme")]));
        Assert.Equal("fast", Assert.Single(nvme.DeviceClasses).VolumeGroup);
        Assert.Equal("default", Assert.Single(config.ForNode(new NodeIdentity("worker-9")).DeviceClasses).Name);
    }

    [Fact]
    public void Manager_ShippedExample_DefaultFoundWithoutParameter()
    {
        var manager = new DeviceClassManager(ConfigLoader.Load(ExamplePath));

        Assert.Equal("default", manager.Find(null)?.Name);
        Assert.Equal(["stratum"], manager.VolumeGroups);
    }
}
