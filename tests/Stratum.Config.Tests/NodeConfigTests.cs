namespace Stratum.Config.Tests;

/// <summary>Per-node sections: which classes a node gets, and what a node with none does.</summary>
public sealed class NodeConfigTests
{
    private const string Yaml = """
        deviceClasses:
          - name: default
            volumeGroup: stratum
        nodes:
          - name: worker-1
            deviceClasses:
              - name: fast
                volumeGroup: nvme
          - name: worker-3
            deviceClasses: []
          - selector:
              matchLabels:
                stratum.dev/disks: nvme
            deviceClasses:
              - name: nvme
                volumeGroup: nvme
                devices: ["/dev/nvme[0-9]n1"]
          - selector:
              matchExpressions:
                - {key: topology.kubernetes.io/zone, operator: In, values: [a, b]}
                - {key: stratum.dev/disks, operator: DoesNotExist}
            deviceClasses:
              - name: zonal
                volumeGroup: zonal
        """;

    private static readonly StratumConfig Config = ConfigLoader.LoadFromText(Yaml, "config.yaml");

    public static TheoryData<string, string[], string[], string> Nodes => new()
    {
        { "worker-1", [], ["fast"], "the 'nodes' entry for node 'worker-1' at config.yaml:5" },
        { "worker-1", ["stratum.dev/disks=nvme"], ["fast"], "the 'nodes' entry for node 'worker-1' at config.yaml:5" },
        { "worker-2", ["stratum.dev/disks=nvme"], ["nvme"], "the 'nodes' entry for nodes with labels stratum.dev/disks=nvme at config.yaml:11" },
        { "worker-2", ["topology.kubernetes.io/zone=b"], ["zonal"], "the 'nodes' entry for nodes with labels topology.kubernetes.io/zone in (a,b),!stratum.dev/disks at config.yaml:18" },
        { "worker-2", ["topology.kubernetes.io/zone=c"], ["default"], "the top-level device classes of config.yaml (no 'nodes' entry names or selects this node)" },
        { "worker-4", [], ["default"], "the top-level device classes of config.yaml (no 'nodes' entry names or selects this node)" },
        { "worker-3", ["stratum.dev/disks=nvme"], [], "the 'nodes' entry for node 'worker-3' at config.yaml:9" },
    };

    [Theory]
    [MemberData(nameof(Nodes))]
    public void ForNode_NameAndLabels_ClassesOfTheMatchingSection(string name, string[] labels, string[] classes, string origin)
    {
        var node = Config.ForNode(new NodeIdentity(name, labels.Select(Label)));

        Assert.Equal(classes, node.DeviceClasses.Select(c => c.Name));
        Assert.Equal(origin, node.Origin);
        Assert.Same(Config, node.Config);
    }

    [Fact]
    public void ForNode_ListedWithoutClasses_ManagerRefusesWithReason()
    {
        var manager = new DeviceClassManager(Config.ForNode(new NodeIdentity("worker-3")));

        Assert.Empty(manager.All);
        Assert.Null(manager.Default);
        Assert.Null(manager.Find(null));
        Assert.Null(manager.Find("default"));
        Assert.Empty(manager.VolumeGroups);
        Assert.Equal("node worker-3 has no device classes (the 'nodes' entry for node 'worker-3' at config.yaml:9), so it provisions no volumes", manager.RefusalReason);
    }

    [Fact]
    public void ForNode_WithClasses_NoRefusalAndImplicitDefault()
    {
        var manager = new DeviceClassManager(Config.ForNode(new NodeIdentity("worker-1")));

        Assert.Null(manager.RefusalReason);
        Assert.Equal("fast", manager.Default?.Name);
    }

    [Fact]
    public void ForNode_TwoSelectorsMatch_ConfigExceptionNamingBothLines()
    {
        var node = new NodeIdentity("worker-9", [Label("stratum.dev/disks=nvme"), Label("topology.kubernetes.io/zone=a")]);
        var twice = ConfigLoader.LoadFromText(Yaml.Replace("operator: DoesNotExist", "operator: Exists", StringComparison.Ordinal), "config.yaml");

        var exception = Assert.Throws<ConfigException>(() => twice.ForNode(node));

        var problem = Assert.Single(exception.Problems);
        Assert.Equal(("config.yaml", 18), (problem.Source, problem.Line));
        Assert.Contains("matches the selectors of the 'nodes' entries at lines 11, 18; a node may match only one", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromText_OnlyNodes_UnlistedNodeProvisionsNothing()
    {
        var config = ConfigLoader.LoadFromText("nodes:\n  - name: w1\n    deviceClasses: [{name: a, volumeGroup: vg0}]\n", "config.yaml");

        Assert.Empty(config.DeviceClasses);
        Assert.Equal(["a"], config.ForNode(new NodeIdentity("w1")).DeviceClasses.Select(c => c.Name));
        Assert.NotNull(new DeviceClassManager(config.ForNode(new NodeIdentity("w2"))).RefusalReason);
    }

    [Fact]
    public void Equals_SameFileAgain_EqualNodeViews()
    {
        var again = ConfigLoader.LoadFromText(Yaml, "config.yaml");
        var node = new NodeIdentity("worker-2", [Label("stratum.dev/disks=nvme")]);

        Assert.Equal(Config, again);
        Assert.Equal(Config.ForNode(node), again.ForNode(node));
        Assert.NotEqual(Config.ForNode(node), again.ForNode(new NodeIdentity("worker-2")));
    }

    [Fact]
    public void LabelSelector_Operators_MatchLikeKubernetes()
    {
        var labels = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };

        Assert.True(new SelectorRequirement { Key = "a", Operator = SelectorOperator.In, Values = ["1", "3"] }.Matches(labels));
        Assert.False(new SelectorRequirement { Key = "a", Operator = SelectorOperator.NotIn, Values = ["1"] }.Matches(labels));
        Assert.True(new SelectorRequirement { Key = "c", Operator = SelectorOperator.NotIn, Values = ["1"] }.Matches(labels));
        Assert.True(new SelectorRequirement { Key = "b", Operator = SelectorOperator.Exists }.Matches(labels));
        Assert.False(new SelectorRequirement { Key = "b", Operator = SelectorOperator.DoesNotExist }.Matches(labels));
        Assert.False(new LabelSelector { MatchLabels = new Dictionary<string, string> { ["a"] = "2" } }.Matches(labels));
    }

    private static KeyValuePair<string, string> Label(string pair)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        return new(pair[..equals], pair[(equals + 1)..]);
    }
}
