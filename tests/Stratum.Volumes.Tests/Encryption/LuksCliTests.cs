using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Platform.Exec;
using Stratum.Volumes.Encryption;
using Stratum.Volumes.Tests.Filesystems.TestSupport;

namespace Stratum.Volumes.Tests.Encryption;

/// <summary>cryptsetup as LuksCli runs it: the key only on standard input, never in the argv; exit codes read as cryptsetup documents them.</summary>
public sealed class LuksCliTests
{
    private const string Key = "s3cret-key-value";

    private static LuksCli Cli(FakeCommandRunner runner) => new(runner, new LuksOptions(), NullLogger<LuksCli>.Instance);

    [Fact]
    public async Task Format_Argon2idFixedCost_KeyOnStdinOnly()
    {
        var runner = new FakeCommandRunner().Succeeds();

        await Cli(runner).FormatAsync("/dev/vg/lv", Key, default);

        var call = Assert.Single(runner.Calls);
        Assert.Equal(
            ["cryptsetup", "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "argon2id", "--pbkdf-memory", "65536", "--pbkdf-parallel", "1",
             "--pbkdf-force-iterations", "4", "--key-file", "-", "/dev/vg/lv"],
            runner.Argvs[0]);
        Assert.Equal(Key, call.StandardInput);
        Assert.True(call.Mutates);
    }

    [Fact]
    public async Task Open_KeyOnStdinOnly()
    {
        var runner = new FakeCommandRunner().Succeeds();

        await Cli(runner).OpenAsync("/dev/vg/lv", "stratum-luks-lv", Key, default);

        Assert.Equal(["cryptsetup", "open", "--type", "luks2", "--key-file", "-", "/dev/vg/lv", "stratum-luks-lv"], runner.Argvs[0]);
        Assert.Equal(Key, runner.Calls[0].StandardInput);
        Assert.DoesNotContain(runner.Argvs[0], a => a.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_Exit2_KeyRejected()
    {
        var runner = new FakeCommandRunner().Returns(2, stderr: "No key available with this passphrase.");

        var ex = await Assert.ThrowsAsync<EncryptionKeyRejectedException>(() => Cli(runner).OpenAsync("/dev/vg/lv", "n", Key, default));

        Assert.Contains("No key available", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Close_Exit5_Busy()
    {
        var runner = new FakeCommandRunner().Returns(5, stderr: "Device n is still in use.");

        await Assert.ThrowsAsync<EncryptedDeviceBusyException>(() => Cli(runner).CloseAsync("n", default));
    }

    [Fact]
    public async Task Resize_WithoutKey_NoKeyFileAndNoStdin()
    {
        var runner = new FakeCommandRunner().Succeeds();

        await Cli(runner).ResizeAsync("n", null, default);

        Assert.Equal(["cryptsetup", "resize", "n"], runner.Argvs[0]);
        Assert.Null(runner.Calls[0].StandardInput);
    }

    [Fact]
    public async Task Resize_WithKey_KeyOnStdinOnly()
    {
        var runner = new FakeCommandRunner().Succeeds();

        await Cli(runner).ResizeAsync("n", Key, default);

        Assert.Equal(["cryptsetup", "resize", "--key-file", "-", "n"], runner.Argvs[0]);
        Assert.Equal(Key, runner.Calls[0].StandardInput);
    }

    [Fact]
    public void Format_Pbkdf2_NoMemoryCost()
    {
        var cli = new LuksCli(new FakeCommandRunner(), new LuksOptions { Pbkdf = "pbkdf2", PbkdfIterations = 1000 }, NullLogger<LuksCli>.Instance);

        Assert.DoesNotContain("--pbkdf-memory", cli.FormatArguments("/dev/x"));
    }
}
