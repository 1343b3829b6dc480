using Stratum.Volumes.Filesystems;
using Stratum.Volumes.Metadata;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>Encrypted volumes (LUKS2) on the node side, against the in-memory host and LUKS: what is formatted when, and what a wrong key changes (nothing).</summary>
public sealed class EncryptedVolumeTests : IAsyncLifetime
{
    private const string Staging = "/var/lib/kubelet/staging/e";
    private const string Target = "/var/lib/kubelet/pods/p/e";
    private const string Key = "correct horse battery staple";

    private EngineFixture _f = null!;

    public async Task InitializeAsync() => _f = await CreateAsync();

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private Task StageAsync(ManagedVolume volume, string? key = Key, bool block = false)
    {
        var secrets = key is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [NodeVolumes.EncryptionKeySecret] = key };
        return _f.Node.StageAsync(new StageSpec(volume.Id.ToString(), Staging, block, block ? null : "ext4", []) { Secrets = secrets }, default);
    }

    private static string Crypt(ManagedVolume volume) => $"/dev/mapper/{NodeVolumes.CryptMappingName(volume.Lv.Name)}";

    private async Task FailsAsync(VolumeError error, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<VolumeException>(call);
        Assert.Equal(error, ex.Error);
    }

    [Fact]
    public async Task Stage_BlankEncryptedVolume_LuksFormatOpenThenFilesystemOnTheOpenDevice()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);

        await StageAsync(volume);

        var crypt = Crypt(volume);
        Assert.Equal(
            [$"luksFormat {volume.DevicePath}", $"luksOpen {volume.DevicePath} {NodeVolumes.CryptMappingName(volume.Lv.Name)}", $"mkfs ext4 {crypt}", $"mount {crypt} {Staging}"],
            _f.Fs.Changes);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restage_AfterUnstage_OpensWithoutFormattingAgain()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);
        await _f.Node.UnstageAsync(volume.Id.ToString(), Staging, default);
        var before = _f.Fs.Changes.Count;

        await StageAsync(volume);

        var name = NodeVolumes.CryptMappingName(volume.Lv.Name);
        Assert.Equal([$"luksOpen {volume.DevicePath} {name}", $"mount {Crypt(volume)} {Staging}"], _f.Fs.Changes.Skip(before));
    }

    [Fact]
    public async Task Unstage_ClosesTheLuksDevice_AndAgainChangesNothing()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);

        await _f.Node.UnstageAsync(volume.Id.ToString(), Staging, default);
        await _f.Node.UnstageAsync(volume.Id.ToString(), Staging, default);

        Assert.Equal([$"umount {Staging}", $"luksClose {NodeVolumes.CryptMappingName(volume.Lv.Name)}"], _f.Fs.Changes.TakeLast(2));
        Assert.Empty(_f.Fs.MappingNames);
    }

    [Fact]
    public async Task Stage_WrongKey_PermissionDeniedNothingChanged()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);
        await _f.Node.UnstageAsync(volume.Id.ToString(), Staging, default);
        var before = _f.Fs.Changes.Count;

        await FailsAsync(VolumeError.PermissionDenied, () => StageAsync(volume, "wrong"));

        Assert.Equal(before, _f.Fs.Changes.Count);
        Assert.Empty(_f.Fs.Mounts);
    }

    [Fact]
    public async Task Stage_WrongKeyWhileOpen_PermissionDenied()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);

        await FailsAsync(VolumeError.PermissionDenied, () => StageAsync(volume, "wrong"));
    }

    [Fact]
    public async Task Stage_NoKey_InvalidArgumentNamingTheSecret()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);

        var ex = await Assert.ThrowsAsync<VolumeException>(() => StageAsync(volume, key: null));

        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains(NodeVolumes.EncryptionKeySecret, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_f.Fs.Changes);
    }

    [Theory]
    [InlineData("ext4", "filesystem")]
    [InlineData("dos", "partition table")]
    public async Task Stage_EncryptedVolumeHoldingPlainData_FailedPreconditionNeverFormatted(string type, string usage)
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        _f.Fs.SetContents(volume.DevicePath, new DeviceContents(false, type, usage));

        await FailsAsync(VolumeError.FailedPrecondition, () => StageAsync(volume));

        Assert.Empty(_f.Fs.Changes);
    }

    [Fact]
    public async Task Stage_RawBlock_OpensOnly_PublishBindsTheOpenDevice()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume, block: true);

        await _f.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, "/var/lib/kubelet/pods/p/dev/e", Block: true, ReadOnly: false), default);

        Assert.Equal($"bind {Crypt(volume)} /var/lib/kubelet/pods/p/dev/e", _f.Fs.Changes[^1]);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("mkfs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unstage_LuksDeviceBusy_FailedPrecondition()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume, block: true);
        _f.Encryption.Busy.Add(NodeVolumes.CryptMappingName(volume.Lv.Name));

        await FailsAsync(VolumeError.FailedPrecondition, () => _f.Node.UnstageAsync(volume.Id.ToString(), Staging, default));
    }

    [Fact]
    public async Task Expand_Encrypted_LvThenLuksThenFilesystemOnTheOpenDevice()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);
        await _f.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false), default);

        var size = await _f.Node.ExpandAsync(
            new ExpandSpec(volume.Id.ToString(), Target, 2 * Gi, 0, null) { Secrets = new Dictionary<string, string> { [NodeVolumes.EncryptionKeySecret] = Key } }, default);

        Assert.Equal(2 * Gi, size);
        var name = NodeVolumes.CryptMappingName(volume.Lv.Name);
        Assert.Equal([$"luksResize {name}", $"grow ext4 {Crypt(volume)} {Target}"], _f.Fs.Changes.TakeLast(2));
    }

    [Fact]
    public async Task Expand_EncryptedWithoutKey_InvalidArgumentNamingTheSecretNothingChanged()
    {
        var volume = await _f.CreateAsync("e1", encryption: VolumeMetadata.Luks2);
        await StageAsync(volume);
        await _f.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false), default);
        var before = _f.Fs.Changes.Count;

        var ex = await Assert.ThrowsAsync<VolumeException>(() => _f.Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Target, 2 * Gi, 0, null), default));

        Assert.Equal(VolumeError.InvalidArgument, ex.Error);
        Assert.Contains("node-expand-secret", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, _f.Fs.Changes.Count);
        Assert.Equal(volume.CapacityBytes, (await _f.LvAsync(volume))!.SizeBytes);
    }

    [Fact]
    public async Task Stage_Unencrypted_LuksHeaderOnIt_Refused()
    {
        var volume = await _f.CreateAsync("p1");
        _f.Fs.SetContents(volume.DevicePath, new DeviceContents(false, "crypto_LUKS", "crypto"));

        await FailsAsync(VolumeError.FailedPrecondition, () => StageAsync(volume));
    }
}
