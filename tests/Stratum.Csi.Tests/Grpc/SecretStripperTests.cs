using Google.Protobuf;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Csi.Tests.Grpc;

public sealed class SecretStripperTests
{
    [Fact]
    public void Strip_RequestWithSecrets_RemovesValuesAndKeepsOtherFields()
    {
        var request = new CreateVolumeRequest { Name = "pvc-1", Secrets = { ["password"] = "hunter2", ["token"] = "abc" }, Parameters = { ["deviceClass"] = "fast" } };

        var stripped = (CreateVolumeRequest)SecretStripper.Strip(request);

        Assert.Equal("pvc-1", stripped.Name);
        Assert.Equal("fast", stripped.Parameters["deviceClass"]);
        Assert.DoesNotContain("hunter2", stripped.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("abc", stripped.ToString(), StringComparison.Ordinal);
        Assert.Equal(SecretStripper.Stripped, Assert.Single(stripped.Secrets).Value);
    }

    [Fact]
    public void Strip_OriginalRequest_IsNotModified()
    {
        var request = new NodeStageVolumeRequest { VolumeId = "v", Secrets = { ["k"] = "secret-value" } };

        SecretStripper.Strip(request);

        Assert.Equal("secret-value", request.Secrets["k"]);
    }

    [Fact]
    public void Strip_MessageWithoutSecretFields_ReturnsSameInstance()
    {
        var request = new NodeGetInfoRequest();
        Assert.Same(request, SecretStripper.Strip(request));
    }

    [Fact]
    public void Strip_EmptySecrets_StayEmpty()
    {
        var stripped = (DeleteVolumeRequest)SecretStripper.Strip(new DeleteVolumeRequest { VolumeId = "v" });
        Assert.Empty(stripped.Secrets);
    }

    [Fact]
    public void IsSecret_EveryCsiSecretsField_IsMarked()
    {
        var secretFields = CsiMethods.Services
            .SelectMany(s => s.Methods)
            .Select(m => m.InputType)
            .SelectMany(t => t.Fields.InDeclarationOrder())
            .Where(f => f.Name == "secrets")
            .ToList();

        Assert.True(secretFields.Count >= 10);
        Assert.All(secretFields, f => Assert.True(SecretStripper.IsSecret(f), f.FullName));
    }

    [Fact]
    public void IsSecret_OrdinaryField_IsNotMarked() =>
        Assert.False(SecretStripper.IsSecret(CreateVolumeRequest.Descriptor.FindFieldByName("parameters")));

    [Fact]
    public void Strip_StrippedCopy_SerializesToValidMessage()
    {
        var request = new CreateSnapshotRequest { Name = "s", SourceVolumeId = "v", Secrets = { ["a"] = "b" } };
        var bytes = SecretStripper.Strip(request).ToByteArray();
        Assert.Equal("s", CreateSnapshotRequest.Parser.ParseFrom(bytes).Name);
    }
}
