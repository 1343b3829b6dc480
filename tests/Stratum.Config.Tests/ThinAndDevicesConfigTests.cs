using Stratum.Config.Tests.TestSupport;

namespace Stratum.Config.Tests;

public sealed class ThinAndDevicesConfigTests
{
    [Fact]
    public void LoadFromText_ThinEveryField_MapsToSettings()
    {
        var config = ConfigLoader.LoadFromText(
            """
            diskRescanSeconds: 120
            deviceClasses:
              - name: thin
                volumeGroup: stratum
                devices: ["/dev/disk/by-id/virtio-*", /dev/vdb]
                thin:
                  pool: pool0
                  size: 80%
                  overprovisionRatio: 2.5
                  chunkSize: 128Ki
                  metadataSize: 1Gi
                  dataThreshold: 85%
                  metadataThreshold: 70
                  autogrow: true
                  autogrowPercent: 10%
            """,
            "config.yaml");

        Assert.Equal(120, config.DiskRescanSeconds);
        var thin = Assert.Single(config.DeviceClasses);
        Assert.True(thin.IsThin);
        Assert.Equal(["/dev/disk/by-id/virtio-*", "/dev/vdb"], thin.Devices!.Patterns.Select(p => p.Text));
        Assert.Equal(
            new ThinPoolSettings
            {
                Pool = "pool0",
                Size = ThinPoolSize.Percent(80),
                OverprovisionRatio = 2.5,
                ChunkSizeBytes = 128L << 10,
                MetadataSizeBytes = 1L << 30,
                DataThresholdPercent = 85,
                MetadataThresholdPercent = 70,
                Autogrow = true,
                AutogrowPercent = 10,
            },
            thin.Thin);
    }

    [Fact]
    public void LoadFromText_ThinMinimal_LvmDefaultsAndStratumDefaults()
    {
        var config = ConfigLoader.LoadFromText("deviceClasses:\n  - {name: t, volumeGroup: vg0, thin: {pool: p, size: 10Gi}}\n", "config.yaml");

        var thin = Assert.Single(config.DeviceClasses).Thin!;
        Assert.Equal(10L << 30, thin.Size.Bytes);
        Assert.Null(thin.Size.PercentOfVolumeGroup);
        Assert.Equal(10L << 30, thin.Size.For(1L << 40));
        Assert.Null(thin.ChunkSizeBytes);
        Assert.Null(thin.MetadataSizeBytes);
        Assert.Equal((1.0, 90, 80, true, 20), (thin.OverprovisionRatio, thin.DataThresholdPercent, thin.MetadataThresholdPercent, thin.Autogrow, thin.AutogrowPercent));
        Assert.Equal(StratumConfig.DefaultDiskRescanSeconds, config.DiskRescanSeconds);
    }

    [Fact]
    public void ThinPoolSize_Percent_ShareOfTheVolumeGroup()
    {
        Assert.Equal(50L << 30, ThinPoolSize.Percent(50).For(100L << 30));
        Assert.Equal("50%", ThinPoolSize.Percent(50).ToString());
        Assert.Equal("10Gi", ThinPoolSize.Absolute(10L << 30).ToString());
    }

    [Fact]
    public void LoadFromText_ClassesSharingPoolWithSameSettings_Valid()
    {
        var config = ConfigLoader.LoadFromText(
            """
            deviceClasses:
              - {name: thin-ext4, volumeGroup: vg0, default: true, thin: {pool: p, size: 50%}}
              - {name: thin-xfs, volumeGroup: vg0, fsType: xfs, thin: {pool: p, size: 50%}}
            """,
            "config.yaml");

        Assert.Equal(config.DeviceClasses[0].Thin, config.DeviceClasses[1].Thin);
    }

    [Fact]
    public void Load_ShippedDisksExample_OneThickClassOnStratumWithTheTestbedDisks()
    {
        var config = ConfigLoader.Load(RepoPaths.Get("examples", "disks.yaml"));

        var deviceClass = Assert.Single(config.DeviceClasses);
        Assert.Equal(("default", "stratum", true, false), (deviceClass.Name, deviceClass.VolumeGroup, deviceClass.IsDefault, deviceClass.IsThin));
        Assert.Equal(["/dev/vd[a-c]"], deviceClass.Devices!.Patterns.Select(p => p.Text));
        Assert.True(deviceClass.Devices.Matches("/dev/vdc"));
        Assert.False(deviceClass.Devices.Matches("/dev/vdd"));
    }
}
