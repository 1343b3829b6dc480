namespace Stratum.Config.Tests;

/// <summary>
/// One invalid configuration per row: each must produce exactly one problem, at the right line and
/// column, naming the rule it breaks.
/// </summary>
public sealed class InvalidConfigTests
{
    private const string Source = "config.yaml";

    public static TheoryData<string, string, int, int, string> Cases => new()
    {
        // The file as a whole.
        { "empty file", "", 1, 1, "the configuration is empty" },
        { "comments only", "# nothing yet\n", 1, 1, "the configuration is empty" },
        { "null document", "~\n", 1, 1, "the configuration is empty" },
        { "top level is a list", "- name: fast\n", 1, 1, "the top level must be a mapping with a 'deviceClasses' list, not a list" },
        { "two documents", "deviceClasses: [{name: a, volumeGroup: vg0}]\n---\nfoo: 1\n", 3, 1, "only one YAML document is allowed" },
        { "YAML syntax error", "deviceClasses:\n  - name: a: b\n", 2, 12, "invalid YAML: " },
        { "tab indentation", "deviceClasses:\n\t- name: a\n", 1, 1, "invalid YAML: " },
        { "unterminated quote", "deviceClasses:\n  - name: \"fast\n", 2, 11, "invalid YAML: " },
        { "unclosed bracket", "deviceClasses: [\n  {name: a, volumeGroup: vg0}\nfoo: 1\n", 1, 16, "invalid YAML after this point" },
        { "duplicate key", "deviceClasses:\n  - name: a\n    name: b\n    volumeGroup: vg0\n", 3, 5, "key 'name' appears twice in the same mapping" },
        { "unknown anchor", "deviceClasses: *classes\n", 1, 16, "invalid YAML: alias '*classes' refers to no anchor '&classes' defined before it" },

        // Top level.
        {
            "deviceClasses missing", "capacityRefreshSeconds: 30\n", 1, 1,
            "'deviceClasses' is required"
        },
        {
            "deviceClasses empty list", "deviceClasses: []\n", 1, 16,
            "deviceClasses must list at least one device class"
        },
        {
            "deviceClasses without value", "deviceClasses:\n", 1, 1,
            "deviceClasses must list at least one device class"
        },
        {
            "deviceClasses is a mapping", "deviceClasses:\n  name: fast\n  volumeGroup: vg0\n", 2, 3,
            "deviceClasses must be a list of device classes, not a mapping"
        },
        {
            "device class is a string", "deviceClasses:\n  - fast\n", 2, 5,
            "device class #1 must be a mapping (name, volumeGroup, ...), not the value 'fast'"
        },
        {
            "unknown top-level key", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
            capacityRefreshSecond: 10
            """, 4, 1,
            "unknown key 'capacityRefreshSecond' at the top level; did you mean 'capacityRefreshSeconds'?"
        },
        {
            "device class key at the top level", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
            spare: 1Gi
            """, 4, 1,
            "unknown key 'spare' at the top level; device classes go in a list under 'deviceClasses'"
        },
        {
            "capacityRefreshSeconds zero", """
            capacityRefreshSeconds: 0
            deviceClasses:
              - name: fast
                volumeGroup: vg0
            """, 1, 25,
            "capacityRefreshSeconds must be between 1 and 3600, not 0"
        },
        {
            "capacityRefreshSeconds too large", """
            capacityRefreshSeconds: 3601
            deviceClasses:
              - name: fast
                volumeGroup: vg0
            """, 1, 25,
            "capacityRefreshSeconds must be between 1 and 3600, not 3601"
        },
        {
            "capacityRefreshSeconds not a number", """
            capacityRefreshSeconds: 30s
            deviceClasses:
              - name: fast
                volumeGroup: vg0
            """, 1, 25,
            "capacityRefreshSeconds must be a whole number, not '30s'"
        },

        // Keys of a device class.
        {
            "misspelt key", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                volumegroup: vg1
            """, 4, 5,
            "device class 'fast': unknown key 'volumegroup'; did you mean 'volumeGroup'?"
        },
        {
            "lvcreate key on the device class", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                stripes: 2
            """, 4, 5,
            "device class 'fast': unknown key 'stripes'; it belongs under 'lvcreate'"
        },
        {
            "unknown key without suggestion", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                thinPool: pool0
            """, 4, 5,
            "unknown key 'thinPool'; expected one of name, volumeGroup, default, spare, fsType, lvcreate"
        },
        {
            "key is a list", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                [a, b]: 1
            """, 4, 5,
            "device class 'fast': keys must be plain names, not a list"
        },

        // name.
        {
            "name missing", """
            deviceClasses:
              - volumeGroup: vg0
            """, 2, 5,
            "device class #1: 'name' is required"
        },
        {
            "name without value", """
            deviceClasses:
              - name:
                volumeGroup: vg0
            """, 2, 5,
            "device class #1: name must not be empty"
        },
        {
            "name empty string", """
            deviceClasses:
              - name: ""
                volumeGroup: vg0
            """, 2, 11,
            "device class #1: name must not be empty"
        },
        {
            "name is a list", """
            deviceClasses:
              - name: [fast]
                volumeGroup: vg0
            """, 2, 11,
            "device class #1: name must be a string, not a list"
        },
        {
            "name upper case", """
            deviceClasses:
              - name: Fast
                volumeGroup: vg0
            """, 2, 11,
            "device class 'Fast': name 'Fast' is invalid: use 1-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"
        },
        {
            "name ends with a dash", """
            deviceClasses:
              - name: fast-
                volumeGroup: vg0
            """, 2, 11,
            "name 'fast-' is invalid"
        },
        {
            "name too long", $"""
            deviceClasses:
              - name: {new string('a', 64)}
                volumeGroup: vg0
            """, 2, 11,
            "is invalid: use 1-63 lowercase letters"
        },
        {
            "name used twice", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                default: true
              - name: fast
                volumeGroup: vg1
            """, 5, 11,
            "device class 'fast': name is already used by the device class at line 2; names must be unique"
        },

        // volumeGroup.
        {
            "volumeGroup missing", """
            deviceClasses:
              - name: fast
            """, 2, 5,
            "device class 'fast': 'volumeGroup' is required"
        },
        {
            "volumeGroup starts with a dash", """
            deviceClasses:
              - name: fast
                volumeGroup: -vg0
            """, 3, 18,
            "volumeGroup '-vg0' is not a valid LVM volume group name"
        },
        {
            "volumeGroup is ..", """
            deviceClasses:
              - name: fast
                volumeGroup: ..
            """, 3, 18,
            "volumeGroup '..' is not a valid LVM volume group name"
        },
        {
            "volumeGroup with a slash", """
            deviceClasses:
              - name: fast
                volumeGroup: vg/data
            """, 3, 18,
            "volumeGroup 'vg/data' is not a valid LVM volume group name"
        },
        {
            "volumeGroup too long", $"""
            deviceClasses:
              - name: fast
                volumeGroup: {new string('v', 41)}
            """, 3, 18,
            "volumeGroup must be at most 40 characters (it is part of every volume id, which CSI limits to 128 bytes), not 41"
        },

        // default.
        {
            "no default among two", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
              - name: slow
                volumeGroup: vg1
            """, 1, 1,
            "deviceClasses: exactly one device class must say 'default: true' when there are two or more; none does"
        },
        {
            "two defaults", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                default: true
              - name: slow
                volumeGroup: vg1
                default: true
            """, 7, 14,
            "device class 'slow': only one device class may be the default, and device class 'fast' (line 4) already is"
        },
        {
            "only class says default false", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                default: false
            """, 4, 14,
            "device class 'fast': the only device class is always the default; remove 'default: false'"
        },
        {
            "default is not a boolean", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                default: yes
            """, 4, 14,
            "device class 'fast': default must be true or false, not 'yes'"
        },

        // spare and fsType.
        {
            "spare not a size", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                spare: lots
            """, 4, 12,
            "device class 'fast': spare: 'lots' is not a size"
        },
        {
            "spare negative", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                spare: -1Gi
            """, 4, 12,
            "device class 'fast': spare must not be negative, not '-1Gi'"
        },
        {
            "spare is a mapping", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                spare: {size: 1Gi}
            """, 4, 12,
            "spare must be a size such as 1Gi, not a mapping"
        },
        {
            "fsType unsupported", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                fsType: ext3
            """, 4, 13,
            "device class 'fast': fsType must be one of ext4, xfs, btrfs, not 'ext3'"
        },
        {
            "fsType wrong case", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                fsType: XFS
            """, 4, 13,
            "fsType must be one of ext4, xfs, btrfs, not 'XFS'; did you mean 'xfs'?"
        },

        // lvcreate.
        {
            "lvcreate is a string", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate: striped
            """, 4, 15,
            "device class 'fast': lvcreate must be a mapping (type, stripes, stripeSize, mirrors, extraOptions), not the value 'striped'"
        },
        {
            "lvcreate unknown key", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  stripe: 2
            """, 5, 7,
            "device class 'fast': unknown key 'stripe' in lvcreate; did you mean 'stripes'?"
        },
        {
            "device class key under lvcreate", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  fsType: xfs
            """, 5, 7,
            "unknown key 'fsType' in lvcreate; it belongs to the device class, not under 'lvcreate'"
        },
        {
            "type unsupported", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: raid5
            """, 5, 13,
            "device class 'fast': type must be one of linear, striped, raid1, not 'raid5'"
        },
        {
            "striped without stripes", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
            """, 5, 13,
            "device class 'fast': type striped needs 'stripes' (at least 2)"
        },
        {
            "one stripe", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: 1
            """, 6, 16,
            "device class 'fast': stripes must be at least 2 for type striped, not 1"
        },
        {
            "too many stripes", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: 129
            """, 6, 16,
            "stripes must be at most 128 (the LVM limit), not 129"
        },
        {
            "stripes not a number", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: two
            """, 6, 16,
            "stripes must be a whole number, not 'two'"
        },
        {
            "stripes on a linear class", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  stripes: 2
            """, 5, 7,
            "device class 'fast': stripes is only allowed with type striped (type is linear)"
        },
        {
            "stripeSize on a raid1 class", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: raid1
                  stripeSize: 64Ki
            """, 6, 7,
            "stripeSize is only allowed with type striped (type is raid1)"
        },
        {
            "stripeSize not a power of two", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: 2
                  stripeSize: 64k
            """, 7, 19,
            "device class 'fast': stripeSize must be a power of two between 4Ki and 4Gi (e.g. 64Ki), not 64k (64000 bytes)"
        },
        {
            "stripeSize too small", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: 2
                  stripeSize: 2Ki
            """, 7, 19,
            "stripeSize must be a power of two between 4Ki and 4Gi (e.g. 64Ki), not 2Ki (2048 bytes)"
        },
        {
            "mirrors on a striped class", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: striped
                  stripes: 2
                  mirrors: 1
            """, 7, 7,
            "device class 'fast': mirrors is only allowed with type raid1 (type is striped)"
        },
        {
            "zero mirrors", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  type: raid1
                  mirrors: 0
            """, 6, 16,
            "device class 'fast': mirrors must be between 1 and 63 (extra copies besides the original), not 0"
        },

        // lvcreate.extraOptions.
        {
            "extraOptions is a string", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: --alloc cling
            """, 5, 21,
            "extraOptions must be a list of lvcreate arguments, e.g. [\"--alloc\", \"cling\"], not the value '--alloc cling'"
        },
        {
            "extraOptions item is a mapping", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions:
                    - {alloc: cling}
            """, 6, 11,
            "device class 'fast': extraOptions items must be strings, not a mapping"
        },
        {
            "extraOptions adds a tag", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: ["--addtag", "mine"]
            """, 5, 22,
            "device class 'fast': '--addtag' is not allowed in extraOptions: tags are Stratum's"
        },
        {
            "extraOptions skips prompts", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: ["--alloc", "cling", "--yes"]
            """, 5, 42,
            "'--yes' is not allowed in extraOptions: it would make lvcreate skip its safety prompts"
        },
        {
            "extraOptions sets wiping", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions:
                    - --wipesignatures=n
            """, 6, 11,
            "'--wipesignatures' is not allowed in extraOptions: Stratum sets it"
        },
        {
            "extraOptions positional", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: [/dev/sdb]
            """, 5, 22,
            "'/dev/sdb' is a positional argument"
        },
        {
            "extraOptions unknown option", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: [--thinpool, pool0]
            """, 5, 22,
            "'--thinpool' is not an allowed lvcreate option; allowed: --alloc, --chunksize (thin-pool), --contiguous,"
        },
        {
            "extraOptions bad alloc policy", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: [--alloc, sometimes]
            """, 5, 31,
            "'--alloc' must be one of normal, contiguous, cling, cling_by_tags, anywhere, inherit, not 'sometimes'"
        },
        {
            "extraOptions raid1 option on linear", """
            deviceClasses:
              - name: fast
                volumeGroup: vg0
                lvcreate:
                  extraOptions: [--nosync]
            """, 5, 22,
            "device class 'fast': '--nosync' is only allowed for type raid1, not linear"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(InvalidNodeAndDiskConfigTests.Cases), MemberType = typeof(InvalidNodeAndDiskConfigTests))]
    public void LoadFromText_InvalidConfig_OneProblemAtLineNamingRule(string scenario, string yaml, int line, int column, string rule)
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromText(yaml, Source));

        var problem = Assert.Single(exception.Problems);
        Assert.True(
            (line, column) == (problem.Line, problem.Column) && problem.Message.Contains(rule, StringComparison.Ordinal),
            $"{scenario}: expected {line}:{column} '{rule}', got {problem}");
        Assert.Equal(Source, problem.Source);
        Assert.Equal($"{Source}:{line}:{column}: {problem.Message}", exception.Message);
    }
}
