using System.Text;
using Stratum.Config.Tests.TestSupport;

namespace Stratum.Config.Tests;

public sealed class ConfigLoaderTests
{
    private const string Source = "config.yaml";

    [Theory]
    [InlineData("", GcMode.Report, 3600, 600)]
    [InlineData("gc: off\n", GcMode.Off, 3600, 600)]
    [InlineData("gc: delete\ngcGracePeriodSeconds: 7200\ngcIntervalSeconds: 60\n", GcMode.Delete, 7200, 60)]
    [InlineData("gc:\ngcGracePeriodSeconds: ~\n", GcMode.Report, 3600, 600)]
    public void LoadFromText_GcKeys_ModeGraceAndInterval(string keys, GcMode mode, int graceSeconds, int intervalSeconds)
    {
        var config = ConfigLoader.LoadFromText(keys + "deviceClasses: [{name: a, volumeGroup: vg0}]\n", Source);

        Assert.Equal((mode, TimeSpan.FromSeconds(graceSeconds), TimeSpan.FromSeconds(intervalSeconds)), (config.Gc, config.GcGracePeriod, config.GcInterval));
    }

    [Fact]
    public void Equals_GcModeDiffers_NotEqual()
    {
        var report = ConfigLoader.LoadFromText("gc: report\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", Source);
        var delete = ConfigLoader.LoadFromText("gc: delete\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", Source);

        Assert.NotEqual(report, delete);
    }

    [Theory]
    [InlineData("yes", "discardOnDelete must be true or false")]
    [InlineData("[true]", "discardOnDelete")]
    public void LoadFromText_DiscardOnDeleteNotABool_NamesTheKey(string value, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromText(
            $"deviceClasses:\n  - name: default\n    volumeGroup: stratum\n    discardOnDelete: {value}\n", Source));

        Assert.Contains(error.Problems, p => p.Message.Contains(expected, StringComparison.Ordinal) && p.Message.Contains("true or false", StringComparison.Ordinal) && p.Line == 4);
    }

    [Fact]
    public void LoadFromText_EveryField_MapsToRecords()
    {
        var config = ConfigLoader.LoadFromText(
            """
            capacityRefreshSeconds: 10
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
                fsType: xfs
              - name: fast
                volumeGroup: stratum
                spare: 512Mi
                fsType: btrfs
                discardOnDelete: false
                lvcreate:
                  type: striped
                  stripes: 3
                  stripeSize: 64Ki
                  extraOptions: ["--alloc=cling", "--readahead", "auto"]
              - name: mirrored.v2
                volumeGroup: vg_mirror+1
                lvcreate:
                  type: raid1
                  extraOptions:
                    - --nosync
                    - --regionsize
                    - 2m
            """,
            Source);

        Assert.Equal(10, config.CapacityRefreshSeconds);
        Assert.Equal(TimeSpan.FromSeconds(10), config.CapacityRefreshInterval);
        Assert.Equal(3, config.DeviceClasses.Count);

        var first = config.DeviceClasses[0];
        Assert.Equal(
            new DeviceClass { Name = "default", VolumeGroup = "stratum", IsDefault = true, SpareBytes = 1L << 30, FsType = FileSystemType.Xfs },
            first);
        Assert.Equal(LvCreateSettings.Default, first.LvCreate);

        var fast = config.DeviceClasses[1];
        Assert.False(fast.IsDefault);
        Assert.Equal(512L << 20, fast.SpareBytes);
        Assert.Equal(FileSystemType.Btrfs, fast.FsType);
        Assert.False(fast.DiscardOnDelete);
        Assert.True(first.DiscardOnDelete);
        Assert.Equal(LvType.Striped, fast.LvCreate.Type);
        Assert.Equal(3, fast.LvCreate.Stripes);
        Assert.Equal(64L << 10, fast.LvCreate.StripeSizeBytes);
        Assert.Null(fast.LvCreate.Mirrors);
        Assert.Equal(["--alloc", "cling", "--readahead", "auto"], fast.LvCreate.ExtraOptions);

        var mirrored = config.DeviceClasses[2];
        Assert.Equal("mirrored.v2", mirrored.Name);
        Assert.Equal("vg_mirror+1", mirrored.VolumeGroup);
        Assert.Equal(FileSystemType.Ext4, mirrored.FsType);
        Assert.Equal(LvType.Raid1, mirrored.LvCreate.Type);
        Assert.Equal(1, mirrored.LvCreate.Mirrors);
        Assert.Null(mirrored.LvCreate.Stripes);
        Assert.Null(mirrored.LvCreate.StripeSizeBytes);
        Assert.Equal(["--nosync", "--regionsize", "2m"], mirrored.LvCreate.ExtraOptions);
    }

    [Fact]
    public void LoadFromText_MinimalSingleClass_IsImplicitDefaultWithDefaults()
    {
        var config = ConfigLoader.LoadFromText("deviceClasses:\n  - name: only\n    volumeGroup: vg0\n", Source);

        var only = Assert.Single(config.DeviceClasses);
        Assert.Equal(new DeviceClass { Name = "only", VolumeGroup = "vg0", IsDefault = true }, only);
        Assert.Equal(0, only.SpareBytes);
        Assert.Equal(FileSystemType.Ext4, only.FsType);
        Assert.Equal(LvCreateSettings.Default, only.LvCreate);
        Assert.Equal(StratumConfig.DefaultCapacityRefreshSeconds, config.CapacityRefreshSeconds);
    }

    [Fact]
    public void LoadFromText_NullValues_MeanAbsent()
    {
        var config = ConfigLoader.LoadFromText(
            """
            capacityRefreshSeconds: ~
            deviceClasses:
              - name: only
                volumeGroup: vg0
                default:
                spare: null
                fsType:
                lvcreate:
            """,
            Source);

        Assert.Equal(new DeviceClass { Name = "only", VolumeGroup = "vg0", IsDefault = true }, Assert.Single(config.DeviceClasses));
        Assert.Equal(30, config.CapacityRefreshSeconds);
    }

    [Fact]
    public void LoadFromText_FlowStyleAndQuotedScalars_Accepted()
    {
        var config = ConfigLoader.LoadFromText(
            """{deviceClasses: [{name: "a", volumeGroup: 'vg0', default: "true", spare: "0"}, {name: b, volumeGroup: vg0, lvcreate: {type: raid1, mirrors: "2"}}]}""",
            Source);

        Assert.Equal(["a", "b"], config.DeviceClasses.Select(c => c.Name));
        Assert.True(config.DeviceClasses[0].IsDefault);
        Assert.Equal(2, config.DeviceClasses[1].LvCreate.Mirrors);
    }

    [Fact]
    public void LoadFromText_TwoClassesOnOneVolumeGroup_Allowed()
    {
        var config = ConfigLoader.LoadFromText(
            """
            deviceClasses:
              - {name: plain, volumeGroup: vg0, default: true}
              - {name: striped, volumeGroup: vg0, lvcreate: {type: striped, stripes: 2}}
            """,
            Source);

        Assert.All(config.DeviceClasses, c => Assert.Equal("vg0", c.VolumeGroup));
    }

    [Fact]
    public void LoadFromText_AnchorsAndAliases_Resolved()
    {
        var config = ConfigLoader.LoadFromText(
            """
            deviceClasses:
              - name: a
                volumeGroup: &vg vg0
                default: true
                lvcreate: &striped {type: striped, stripes: 2}
              - name: b
                volumeGroup: *vg
                lvcreate: *striped
            """,
            Source);

        Assert.Equal("vg0", config.DeviceClasses[1].VolumeGroup);
        Assert.Equal(config.DeviceClasses[0].LvCreate, config.DeviceClasses[1].LvCreate);
    }

    [Fact]
    public void LoadFromText_SameTextTwice_ConfigsAreEqual()
    {
        const string Yaml = "deviceClasses:\n  - {name: a, volumeGroup: vg0, lvcreate: {extraOptions: [--alloc, cling]}}\n";

        var first = ConfigLoader.LoadFromText(Yaml, Source);
        var second = ConfigLoader.LoadFromText(Yaml, "other.yaml");
        var changed = ConfigLoader.LoadFromText(Yaml.Replace("cling", "normal", StringComparison.Ordinal), Source);

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, changed);
    }

    [Fact]
    public void StratumConfig_SourceListChangedLater_ConfigUnchanged()
    {
        var classes = new List<DeviceClass> { new() { Name = "a", VolumeGroup = "vg0" } };
        var options = new List<string> { "--nosync" };
        var config = new StratumConfig { DeviceClasses = classes };
        var settings = new LvCreateSettings { Type = LvType.Raid1, ExtraOptions = options };

        classes.Add(new DeviceClass { Name = "b", VolumeGroup = "vg0" });
        options.Clear();

        Assert.Single(config.DeviceClasses);
        Assert.Single(settings.ExtraOptions);
    }

    [Fact]
    public void LoadFromText_SeveralProblems_ReportsAllInFileOrder()
    {
        var yaml = """
            capacityRefreshSeconds: 0
            deviceClasses:
              - name: Fast
                volumeGroup: vg0
                default: true
                lvcreate:
                  type: striped
                  stripes: 1
              - name: slow
                volumegroup: vg1
                default: true
                fsType: ext3
            """;

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromText(yaml, Source));

        Assert.Collection(
            exception.Problems,
            p => Assert.Equal("config.yaml:1:25: capacityRefreshSeconds must be between 1 and 3600, not 0", p.ToString()),
            p => Assert.Equal("config.yaml:3:11: device class 'Fast': name 'Fast' is invalid: use 1-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit", p.ToString()),
            p => Assert.Equal("config.yaml:8:16: device class 'Fast': stripes must be at least 2 for type striped, not 1", p.ToString()),
            p => Assert.Equal("config.yaml:9:5: device class 'slow': 'volumeGroup' is required", p.ToString()),
            p => Assert.Equal("config.yaml:10:5: device class 'slow': unknown key 'volumegroup'; did you mean 'volumeGroup'?", p.ToString()),
            p => Assert.Equal("config.yaml:11:14: device class 'slow': only one device class may be the default, and device class 'Fast' (line 5) already is", p.ToString()),
            p => Assert.Equal("config.yaml:12:13: device class 'slow': fsType must be one of ext4, xfs, btrfs, not 'ext3'", p.ToString()));
        Assert.Equal(string.Join('\n', exception.Problems), exception.Message);
        Assert.Equal(7, exception.Message.Split('\n').Length);
    }

    [Fact]
    public void Load_ValidFile_ReturnsConfig()
    {
        using var file = new TempFile().Write("deviceClasses:\n  - name: a\n    volumeGroup: vg0\n");

        var config = ConfigLoader.Load(file.Path);

        Assert.Equal("a", Assert.Single(config.DeviceClasses).Name);
    }

    [Fact]
    public void Load_Utf8WithByteOrderMark_ReturnsConfig()
    {
        using var file = new TempFile();
        File.WriteAllText(file.Path, "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal("a", Assert.Single(ConfigLoader.Load(file.Path).DeviceClasses).Name);
    }

    [Fact]
    public void Load_InvalidFile_ProblemsNameThePath()
    {
        using var file = new TempFile().Write("deviceClasses:\n  - name: a\n");

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file.Path));

        Assert.Equal($"{file.Path}:2:5: device class 'a': 'volumeGroup' is required", exception.Message);
    }

    [Fact]
    public void Load_MissingFile_ConfigExceptionWithoutPosition()
    {
        using var file = new TempFile();

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file.Path));

        var problem = Assert.Single(exception.Problems);
        Assert.Equal((file.Path, 0, 0), (problem.Source, problem.Line, problem.Column));
        Assert.Equal($"{file.Path}: file not found", exception.Message);
    }

    [Fact]
    public void Load_MissingDirectory_ConfigException()
    {
        using var file = new TempFile();
        var path = Path.Combine(file.Directory, "nowhere", "config.yaml");

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

        Assert.Equal($"{path}: file not found (its directory does not exist)", exception.Message);
    }

    [Fact]
    public void Load_Directory_ConfigException()
    {
        using var file = new TempFile();

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file.Directory));

        Assert.Equal($"{file.Directory}: is a directory, not a configuration file", exception.Message);
    }

    [Fact]
    public void Load_UnreadableFile_ConfigException()
    {
        // Reading /proc/self/mem at offset 0 fails with EIO for every user, root included
        // (a mode-000 file would not do: root reads it anyway).
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/proc/self/mem"));

        Assert.StartsWith("/proc/self/mem: cannot read the file: ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HugeFile_ConfigException()
    {
        using var file = new TempFile().Write("# " + new string('x', ConfigLoader.MaxFileChars));

        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file.Path));

        Assert.Contains("is larger than 1048576 characters", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromText_DeepNesting_ProblemInsteadOfStackOverflow()
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromText("deviceClasses: " + new string('[', 500_000), Source));

        var problem = Assert.Single(exception.Problems);
        Assert.Equal(1, problem.Line);
        Assert.Contains("nesting is deeper than 32 levels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigException_NoProblems_Rejected() =>
        Assert.Throws<ArgumentException>(() => new ConfigException([]));

    [Theory]
    [InlineData("config.yaml", 7, 5, "m", "config.yaml:7:5: m")]
    [InlineData("/etc/stratum/config.yaml", 0, 0, "file not found", "/etc/stratum/config.yaml: file not found")]
    public void ConfigProblem_ToString_CompilerStyle(string source, int line, int column, string message, string expected) =>
        Assert.Equal(expected, new ConfigProblem(source, line, column, message).ToString());
}
