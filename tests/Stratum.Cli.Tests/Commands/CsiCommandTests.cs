using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Cli.Commands;
using Stratum.Csi;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Cli.Tests.Commands;

/// <summary><c>stratum csi</c> against a real server on a temporary socket.</summary>
public sealed class CsiCommandTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine("/tmp", "stratum-cli-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<IMessage> _received = [];
    private GrpcServer _server = null!;
    private string _endpoint = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _endpoint = "unix://" + Path.Combine(_directory, "csi.sock");
        _server = new GrpcServer(
            new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(_endpoint)] },
            [
                GrpcService.Create(new RecordingIdentity(this), Identity.Descriptor),
                GrpcService.Create(new RecordingController(this), Controller.Descriptor),
                GrpcService.Create(new RecordingNode(this), Node.Descriptor),
            ],
            NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Probe_Text_PrintsFieldLines()
    {
        var (code, output, _) = await CliRunner.RunAsync("csi", "probe", "--endpoint", _endpoint);

        Assert.Equal(0, code);
        Assert.Equal("ready: true", output.Trim());
    }

    [Fact]
    public async Task GetPluginInfo_Json_PrintsParsableJson()
    {
        var (code, output, _) = await CliRunner.RunAsync("csi", "get-plugin-info", "--endpoint", _endpoint, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("lvm.stratum.dev", json.RootElement.GetProperty("name").GetString());
        Assert.Contains("1.2.3+abc", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolume_Flags_MappedOntoRequest()
    {
        var (code, output, _) = await CliRunner.RunAsync(
            "csi", "create-volume", "--endpoint", _endpoint, "--name", "pvc-1", "--required-bytes", "1Gi", "--limit-bytes", "2Gi",
            "--fs-type", "xfs", "--mount-flags", "noatime", "--mount-flags", "nodiscard", "--parameters", "deviceClass=fast", "--secrets", "k=v");

        Assert.Equal(0, code);
        Assert.Contains("volume.volume_id: vg:lv:uuid", output, StringComparison.Ordinal);
        var request = Assert.IsType<CreateVolumeRequest>(Assert.Single(_received));
        Assert.Equal("pvc-1", request.Name);
        Assert.Equal(1L << 30, request.CapacityRange.RequiredBytes);
        Assert.Equal(2L << 30, request.CapacityRange.LimitBytes);
        var capability = Assert.Single(request.VolumeCapabilities);
        Assert.Equal("xfs", capability.Mount.FsType);
        Assert.Equal(["noatime", "nodiscard"], capability.Mount.MountFlags);
        Assert.Equal(VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter, capability.AccessMode.Mode);
        Assert.Equal("fast", request.Parameters["deviceClass"]);
        Assert.Equal("v", request.Secrets["k"]);
    }

    [Fact]
    public async Task CreateVolume_NoCapabilityFlags_DefaultMountCapability()
    {
        var (code, _, _) = await CliRunner.RunAsync("csi", "create-volume", "--endpoint", _endpoint, "--name", "pvc-2");

        Assert.Equal(0, code);
        var capability = Assert.Single(Assert.IsType<CreateVolumeRequest>(Assert.Single(_received)).VolumeCapabilities);
        Assert.Equal(VolumeCapability.AccessTypeOneofCase.Mount, capability.AccessTypeCase);
    }

    [Fact]
    public async Task NodePublish_BlockReadonlyAndMode_MappedOntoRequest()
    {
        var (code, _, _) = await CliRunner.RunAsync(
            "csi", "node-publish-volume", "--endpoint", _endpoint, "--volume-id", "v1", "--staging-target-path", "/s", "--target-path", "/t",
            "--block", "--readonly", "--access-mode", "single-node-multi-writer");

        Assert.Equal(0, code);
        var request = Assert.IsType<NodePublishVolumeRequest>(Assert.Single(_received));
        Assert.Equal(("v1", "/s", "/t", true), (request.VolumeId, request.StagingTargetPath, request.TargetPath, request.Readonly));
        Assert.Equal(VolumeCapability.AccessTypeOneofCase.Block, request.VolumeCapability.AccessTypeCase);
        Assert.Equal(VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeMultiWriter, request.VolumeCapability.AccessMode.Mode);
    }

    [Fact]
    public async Task NodeExpand_NoCapabilityFlags_LeavesOptionalCapabilityUnset()
    {
        var (code, _, _) = await CliRunner.RunAsync("csi", "node-expand-volume", "--endpoint", _endpoint, "--volume-id", "v1", "--volume-path", "/p", "--required-bytes", "3Gi");

        Assert.Equal(0, code);
        var request = Assert.IsType<NodeExpandVolumeRequest>(Assert.Single(_received));
        Assert.Null(request.VolumeCapability);
        Assert.Equal(3L << 30, request.CapacityRange.RequiredBytes);
    }

    [Fact]
    public async Task CreateVolume_RequestJsonThenFlags_FlagsOverride()
    {
        var (code, _, _) = await CliRunner.RunAsync(
            "csi", "create-volume", "--endpoint", _endpoint, "--request", """{"name":"from-json","parameters":{"a":"1"}}""", "--name", "from-flag");

        Assert.Equal(0, code);
        var request = Assert.IsType<CreateVolumeRequest>(Assert.Single(_received));
        Assert.Equal("from-flag", request.Name);
        Assert.Equal("1", request.Parameters["a"]);
    }

    [Fact]
    public async Task DeleteVolume_ServerError_ExitCode1WithCodeAndMessage()
    {
        var (code, _, error) = await CliRunner.RunAsync("csi", "delete-volume", "--endpoint", _endpoint, "--volume-id", "v1");

        Assert.Equal(1, code);
        Assert.Contains("FAILED_PRECONDITION: volume is still staged", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpc_PascalCaseAlias_Accepted()
    {
        var (code, _, _) = await CliRunner.RunAsync("csi", "Probe", "--endpoint", _endpoint);
        Assert.Equal(0, code);
    }

    [Theory]
    [InlineData("Probe", "probe")]
    [InlineData("GetPluginInfo", "get-plugin-info")]
    [InlineData("NodeStageVolume", "node-stage-volume")]
    [InlineData("ControllerGetCapabilities", "controller-get-capabilities")]
    [InlineData("staging_target_path", "staging-target-path")]
    public void KebabCase_Name_Converted(string name, string expected) =>
        Assert.Equal(expected, CsiCommand.KebabCase(name));

    [Fact]
    public void Create_EveryCsiRpc_HasSubcommand()
    {
        var names = CsiCommand.Create().Subcommands.Select(c => c.Name).ToHashSet();
        foreach (var method in CsiMethods.Services.SelectMany(s => s.Methods))
        {
            Assert.Contains(CsiCommand.KebabCase(method.Name), names);
        }
    }

    private Task<T> Record<T>(IMessage request, T response)
    {
        lock (_received)
        {
            _received.Add(request);
        }

        return Task.FromResult(response);
    }

    private sealed class RecordingIdentity(CsiCommandTests test) : Identity.IdentityBase
    {
        public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
            test.Record(request, new ProbeResponse { Ready = true });

        public override Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, ServerCallContext context) =>
            test.Record(request, new GetPluginInfoResponse { Name = "lvm.stratum.dev", VendorVersion = "1.2.3+abc" });
    }

    private sealed class RecordingController(CsiCommandTests test) : Controller.ControllerBase
    {
        public override Task<CreateVolumeResponse> CreateVolume(CreateVolumeRequest request, ServerCallContext context) =>
            test.Record(request, new CreateVolumeResponse { Volume = new Volume { VolumeId = "vg:lv:uuid", CapacityBytes = request.CapacityRange?.RequiredBytes ?? 0 } });

        public override Task<DeleteVolumeResponse> DeleteVolume(DeleteVolumeRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "volume is still staged"));
    }

    private sealed class RecordingNode(CsiCommandTests test) : Node.NodeBase
    {
        public override Task<NodePublishVolumeResponse> NodePublishVolume(NodePublishVolumeRequest request, ServerCallContext context) =>
            test.Record(request, new NodePublishVolumeResponse());

        public override Task<NodeExpandVolumeResponse> NodeExpandVolume(NodeExpandVolumeRequest request, ServerCallContext context) =>
            test.Record(request, new NodeExpandVolumeResponse());
    }
}
