using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Cli.Commands;
using Stratum.Csi.Grpc;
using Stratum.Csi.StatusApi;

namespace Stratum.Cli.Tests.Commands;

/// <summary><c>stratum status</c> against a status service on a temporary socket.</summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine("/tmp", "stratum-cli-" + Guid.NewGuid().ToString("N")[..10]);
    private GrpcServer _server = null!;
    private string _endpoint = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _endpoint = "unix://" + Path.Combine(_directory, "csi.sock");
        _server = new GrpcServer(
            new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(_endpoint)] },
            [GrpcService.Create(new CannedStatus(), NodeStatus.Descriptor)],
            NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Status_Text_SectionsWithReasonsAndTheRejectedChange()
    {
        var (code, output, error) = await CliRunner.RunAsync("status", "--endpoint", _endpoint);

        Assert.Equal(0, code);
        Assert.Empty(error);
        var lines = output.Split('\n');
        Assert.Equal("lvm.stratum.dev 0.1.0 on node worker-1: ready", lines[0]);
        Assert.Contains("Configuration: generation 3 (0123456789ab) from /etc/stratum/config.yaml, in use since 2026-12-02T10:00:00Z, checked 2026-12-02T10:05:00Z", lines);
        Assert.Contains("  last change REJECTED at 2026-12-02T10:04:00Z (1 rejected so far); generation 3 stays in use:", lines);
        Assert.Contains("    config.yaml:4:5: device class 'default': unknown key 'volumegroup'; did you mean 'volumeGroup'?", lines);
        Assert.Contains(lines, l => l.StartsWith("  default  stratum  thick (linear)  yes", StringComparison.Ordinal) && l.Contains("11.5 GiB", StringComparison.Ordinal) && l.EndsWith("/dev/vd[a-c]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  /dev/vdd", StringComparison.Ordinal) && l.EndsWith("refused  holds a filesystem (ext4)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  stratum/pvc-1", StringComparison.Ordinal) && l.Contains("stratum  pvc-1", StringComparison.Ordinal));
        Assert.Contains("  NOT SERVABLE: pvc-2 (stratum:pvc-2:uuid): it needs a missing physical volume of volume group 'stratum'", lines);
    }

    [Fact]
    public async Task Status_Json_ProtobufJsonOfTheWholeStatus()
    {
        var (code, output, _) = await CliRunner.RunAsync("status", "--endpoint", _endpoint, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("3", json.RootElement.GetProperty("config").GetProperty("generation").GetString());
        Assert.Equal("refused", json.RootElement.GetProperty("disks")[1].GetProperty("state").GetString());
        Assert.Equal("holds a filesystem (ext4)", json.RootElement.GetProperty("disks")[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Status_NothingListening_ExitOneSayingWhy()
    {
        var (code, _, error) = await CliRunner.RunAsync("status", "--endpoint", "unix://" + Path.Combine(_directory, "none.sock"));

        Assert.Equal(1, code);
        Assert.Contains("no such file or directory", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(12L << 30, "12.0 GiB")]
    public void Bytes_BinaryUnits(long bytes, string expected) => Assert.Equal(expected, StatusPrinter.Bytes(bytes));

    private sealed class CannedStatus : NodeStatus.NodeStatusBase
    {
        public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
        {
            var status = new GetStatusResponse
            {
                Driver = "lvm.stratum.dev",
                Version = "0.1.0",
                NodeId = "worker-1",
                Ready = true,
                Config = new ConfigStatus
                {
                    Generation = 3,
                    Source = "/etc/stratum/config.yaml",
                    ContentHash = "0123456789ab",
                    LoadedAt = "2026-12-02T10:00:00Z",
                    LastCheckedAt = "2026-12-02T10:05:00Z",
                    Origin = "the device classes of /etc/stratum/config.yaml",
                    LastError = "config.yaml:4:5: device class 'default': unknown key 'volumegroup'; did you mean 'volumeGroup'?",
                    LastErrorAt = "2026-12-02T10:04:00Z",
                    RejectedReloads = 1,
                },
                DeviceClasses =
                {
                    new DeviceClassStatus
                    {
                        Name = "default", VolumeGroup = "stratum", Default = true, Kind = "thick", Layout = "linear", FsType = "ext4",
                        AvailableBytes = 23L << 29, MaximumVolumeBytes = 23L << 29, Devices = { "/dev/vd[a-c]" },
                    },
                },
                VolumeGroups = { new VolumeGroupStatus { Name = "stratum", Present = true, SizeBytes = 12L << 30, FreeBytes = 23L << 29, PhysicalVolumes = 3, Managed = true } },
                Volumes = { new VolumeStatus { VolumeGroup = "stratum", LogicalVolume = "pvc-1", SizeBytes = 1L << 30, Ours = true, Name = "pvc-1", DeviceClass = "default", Active = true } },
                Disks =
                {
                    new DiskStatus { Path = "/dev/vda", Device = "vda", SizeBytes = 4L << 30, VolumeGroup = "stratum", State = "member" },
                    new DiskStatus { Path = "/dev/vdd", Device = "vdd", SizeBytes = 4L << 30, VolumeGroup = "stratum", State = "refused", Reason = "holds a filesystem (ext4)" },
                },
                Recovery = new RecoveryStatus { UnservableVolumes = { new UnservableVolume { VolumeId = "stratum:pvc-2:uuid", Name = "pvc-2", Reason = "it needs a missing physical volume of volume group 'stratum'" } } },
            };
            return Task.FromResult(status);
        }
    }
}
