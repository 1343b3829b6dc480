namespace Stratum.Config.Tests;

/// <summary>
/// The rules for <c>devices</c>, <c>thin</c> and <c>nodes</c>: one invalid configuration per row,
/// each producing exactly one problem at the right line and column, naming the rule it breaks
/// (checked by <see cref="InvalidConfigTests"/>).
/// </summary>
public static class InvalidNodeAndDiskConfigTests
{
    public static TheoryData<string, string, int, int, string> Cases => new()
    {
        // devices
        { "devices is a string", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: /dev/vdb\n", 4, 14, "device class 'a': devices must be a list of device paths or patterns" },
        { "devices empty", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: []\n", 4, 14, "devices must list at least one device path or pattern" },
        { "device pattern relative", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [dev/vdb]\n", 4, 15, "device pattern 'dev/vdb' must be an absolute path" },
        { "device pattern root", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [/]\n", 4, 15, "device pattern '/' names a root directory" },
        { "device pattern /dev", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [/dev/]\n", 4, 15, "device pattern '/dev/' names a root directory" },
        { "device pattern outside /dev", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [/tmp/disk.img]\n", 4, 15, "device pattern '/tmp/disk.img' must be under /dev/" },
        { "device pattern matching all of /dev", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [\"/dev/*\"]\n", 4, 15, "device pattern '/dev/*' matches every entry of /dev" },
        { "device pattern matching a whole by-id directory", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [\"/dev/disk/by-id/*\"]\n", 4, 15, "matches every entry of /dev/disk/by-id" },
        { "device pattern with ..", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [/dev/../etc/vdb]\n", 4, 15, "must be a plain path" },
        { "device pattern wildcard directory", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [\"/dev/disk/*/virtio-1\"]\n", 4, 15, "wildcards are allowed only in the last component" },
        { "device pattern unclosed bracket", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [\"/dev/vd[b-z\"]\n", 4, 15, "a '[' is not closed by ']'" },
        { "device pattern twice", "deviceClasses:\n  - name: a\n    volumeGroup: vg0\n    devices: [/dev/vdb, /dev/vdb]\n", 4, 25, "devices lists '/dev/vdb' twice (first at line 4)" },
        {
            "two classes give one VG's devices", """
            deviceClasses:
              - name: a
                volumeGroup: vg0
                default: true
                devices: [/dev/vdb]
              - name: b
                volumeGroup: vg0
                devices: [/dev/vdc]
            """, 8, 5,
            "device class 'b': volume group 'vg0' already gets its devices from device class 'a' (line 5); list a volume group's devices in one class only"
        },
        {
            "one pattern for two VGs", """
            deviceClasses:
              - name: a
                volumeGroup: vg0
                default: true
                devices: [/dev/vdb]
              - name: b
                volumeGroup: vg1
                devices: [/dev/vdb]
            """, 8, 5,
            "device class 'b': devices pattern '/dev/vdb' is also listed for volume group 'vg0' by device class 'a' (line 5); a disk can join only one volume group"
        },

        // thin
        { "thin is a string", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: pool0\n", 4, 11, "device class 't': thin must be a mapping" },
        { "thin without pool", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin:\n      size: 50%\n", 5, 7, "device class 't': a thin class must name its pool" },
        { "thin without size", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin:\n      pool: pool0\n", 5, 7, "device class 't': thin.size is required" },
        { "thin pool name reserved suffix", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p_tdata, size: 1Gi}\n", 4, 18, "thin.pool 'p_tdata' must not contain '_tdata'" },
        { "thin pool name leading dash", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: -p, size: 1Gi}\n", 4, 18, "thin.pool '-p' must not start with '-'" },
        { "thin size zero percent", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 0%}\n", 4, 27, "thin.size as a share of the volume group must be a whole percentage from 1% to 100%, not '0%'" },
        { "thin size over 100 percent", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 150%}\n", 4, 27, "not '150%'" },
        { "thin size too small", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Mi}\n", 4, 27, "thin.size must be at least 8Mi, not 1Mi" },
        { "thin size not a size", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: lots}\n", 4, 27, "thin.size: 'lots' is not a size" },
        { "overprovision below 1", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, overprovisionRatio: 0.5}\n", 4, 52, "thin.overprovisionRatio must be between 1 (no overcommit) and 1000, not 0.5" },
        { "overprovision not a number", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, overprovisionRatio: lots}\n", 4, 52, "thin.overprovisionRatio must be a number" },
        { "chunk size not a power of two", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, chunkSize: 96Ki}\n", 4, 43, "thin.chunkSize must be a power of two between 64Ki and 1Gi" },
        { "chunk size too small", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, chunkSize: 4Ki}\n", 4, 43, "thin.chunkSize must be a power of two between 64Ki and 1Gi" },
        { "metadata size too large", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, metadataSize: 32Gi}\n", 4, 46, "thin.metadataSize must be between 2Mi and 16Gi" },
        { "data threshold zero", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, dataThreshold: 0%}\n", 4, 47, "thin.dataThreshold must be a whole percentage from 1% to 100%, not '0%'" },
        { "metadata threshold over 100", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, metadataThreshold: 101}\n", 4, 51, "thin.metadataThreshold must be a whole percentage from 1% to 100%, not '101'" },
        { "autogrow not a bool", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, autogrow: yes}\n", 4, 42, "thin.autogrow must be true or false, not 'yes'" },
        { "autogrowPercent without autogrow", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, autogrow: false, autogrowPercent: 10}\n", 4, 49, "thin.autogrowPercent has no effect with autogrow: false" },
        { "unknown thin key", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, overprovisionRatoi: 2}\n", 4, 32, "unknown key 'overprovisionRatoi' in thin; did you mean 'overprovisionRatio'?" },
        { "class key under thin", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi, spare: 1Gi}\n", 4, 32, "unknown key 'spare' in thin; it belongs to the device class, not under 'thin'" },
        { "thin key on the class", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    pool: p\n", 4, 5, "device class 't': unknown key 'pool'; it belongs under 'thin'" },
        { "thin class with striped layout", "deviceClasses:\n  - name: t\n    volumeGroup: vg0\n    thin: {pool: p, size: 1Gi}\n    lvcreate: {type: striped, stripes: 2}\n", 5, 5, "lvcreate.type striped is for thick classes; a thin class's volumes take their layout from pool 'p'" },
        {
            "two classes, one pool, different settings", """
            deviceClasses:
              - name: a
                volumeGroup: vg0
                default: true
                thin: {pool: p, size: 50%}
              - name: b
                volumeGroup: vg0
                thin: {pool: p, size: 60%}
            """, 8, 5,
            "device class 'b': thin pool 'vg0/p' is also the pool of device class 'a' (line 5) with other settings"
        },

        // nodes
        { "nodes is a mapping", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  worker-1: []\n", 3, 3, "nodes must be a list of node sections" },
        { "nodes entry is a string", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - worker-1\n", 3, 5, "nodes entry #1 must be a mapping" },
        { "nodes entry without deviceClasses", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - name: worker-1\n", 3, 5, "node 'worker-1': 'deviceClasses' is required (write 'deviceClasses: []' for nodes that must not provision volumes)" },
        { "nodes entry without name or selector", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - deviceClasses: []\n", 3, 5, "nodes entry #1: 'name' or 'selector' is required" },
        { "nodes entry with name and selector", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - name: w1\n    selector: {matchLabels: {a: b}}\n    deviceClasses: []\n", 4, 5, "node 'w1': give either 'name' or 'selector', not both" },
        { "invalid node name", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - name: -worker\n    deviceClasses: []\n", 3, 11, "name '-worker' is not a valid node name" },
        { "duplicate node", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - name: w1\n    deviceClasses: []\n  - name: w1\n    deviceClasses: []\n", 5, 5, "node 'w1' is already listed at line 3; each node may be listed once" },
        { "duplicate selector", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector: {matchLabels: {disk: nvme}}\n    deviceClasses: []\n  - selector: {matchLabels: {disk: nvme}}\n    deviceClasses: []\n", 5, 5, "repeats the selector at line 3" },
        { "empty selector", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector: {}\n    deviceClasses: []\n", 3, 5, "selector is empty and would match every node" },
        { "invalid label key", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector: {matchLabels: {\"Bad_Prefix/x\": y}}\n    deviceClasses: []\n", 3, 30, "'Bad_Prefix/x' is not a valid label key" },
        { "invalid label value", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector: {matchLabels: {disk: \"n v\"}}\n    deviceClasses: []\n", 3, 36, "'n v' is not a valid value for label 'disk'" },
        { "unknown operator", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector:\n      matchExpressions: [{key: disk, operator: in, values: [nvme]}]\n    deviceClasses: []\n", 4, 48, "operator must be one of In, NotIn, Exists, DoesNotExist, not 'in'; did you mean 'In'?" },
        { "In without values", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector:\n      matchExpressions: [{key: disk, operator: In}]\n    deviceClasses: []\n", 4, 26, "operator In needs at least one value" },
        { "Exists with values", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector:\n      matchExpressions: [{key: disk, operator: Exists, values: [x]}]\n    deviceClasses: []\n", 4, 64, "operator Exists takes no 'values'" },
        { "unknown selector key", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - selector: {matchLabel: {a: b}}\n    deviceClasses: []\n", 3, 16, "unknown key 'matchLabel' in selector; did you mean 'matchLabels'?" },
        { "class key in a nodes entry", "deviceClasses: [{name: a, volumeGroup: vg0}]\nnodes:\n  - name: w1\n    volumeGroup: vg0\n    deviceClasses: []\n", 4, 5, "node 'w1': unknown key 'volumeGroup' in a nodes entry; device classes go in a list under this entry's 'deviceClasses'" },
        {
            "node's classes without a default", """
            deviceClasses: [{name: a, volumeGroup: vg0}]
            nodes:
              - name: w1
                deviceClasses:
                  - {name: a, volumeGroup: vg0}
                  - {name: b, volumeGroup: vg1}
            """, 4, 5,
            "node 'w1': deviceClasses: exactly one device class must say 'default: true'"
        },
        {
            "duplicate class in a node", """
            deviceClasses: [{name: a, volumeGroup: vg0}]
            nodes:
              - name: w1
                deviceClasses:
                  - {name: a, volumeGroup: vg0, default: true}
                  - {name: a, volumeGroup: vg1}
            """, 6, 16,
            "node 'w1': device class 'a': name is already used by the device class at line 5"
        },
        {
            "node class problem names the node", """
            deviceClasses: [{name: a, volumeGroup: vg0}]
            nodes:
              - selector: {matchLabels: {disk: nvme}}
                deviceClasses:
                  - {name: a, volumeGroup: vg0, fsType: ntfs}
            """, 5, 45,
            "nodes entry #1: device class 'a': fsType must be one of ext4, xfs, btrfs, not 'ntfs'"
        },
        { "top-level classes empty without nodes", "deviceClasses: []\nnodes: []\n", 1, 16, "deviceClasses must list at least one device class" },
        { "diskRescanSeconds too small", "diskRescanSeconds: 1\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 20, "diskRescanSeconds must be between 5 and 86400, not 1" },

        // orphan GC
        { "gc unknown mode", "gc: remove\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 5, "gc must be one of off, report, delete, not 'remove'" },
        { "gc mode wrong case", "gc: Delete\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 5, "not 'Delete'; did you mean 'delete'?" },
        { "gc mode a list", "gc: [delete]\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 5, "gc must be a string" },
        { "gc grace period too short", "gcGracePeriodSeconds: 5\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 23, "gcGracePeriodSeconds must be between 60 and 2592000, not 5" },
        { "gc interval too long", "gcIntervalSeconds: 100000\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 20, "gcIntervalSeconds must be between 10 and 86400, not 100000" },
        { "gc key misspelt", "gcGracePeriodSecond: 600\ndeviceClasses: [{name: a, volumeGroup: vg0}]\n", 1, 1, "unknown key 'gcGracePeriodSecond' at the top level; did you mean 'gcGracePeriodSeconds'?" },
    };
}
