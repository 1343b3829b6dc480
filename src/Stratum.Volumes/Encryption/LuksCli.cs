using System.Globalization;
using Microsoft.Extensions.Logging;
using Stratum.Platform.Exec;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes.Encryption;

/// <summary>
/// <see cref="IVolumeEncryption"/> over <c>cryptsetup</c> (LUKS2), every call through the one
/// command runner. The key reaches cryptsetup only on its standard input (<c>--key-file -</c>:
/// read to end of input, byte for byte, no newline handling), so it is in no argv (<c>ps</c>),
/// no log line (the runner never logs standard input) and no file.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>format</term><description><c>cryptsetup luksFormat --batch-mode --type luks2 --pbkdf argon2id
///   --pbkdf-memory 65536 --pbkdf-parallel 1 --pbkdf-force-iterations 4 --key-file - DEVICE</c></description></item>
/// <item><term>open</term><description><c>cryptsetup open --type luks2 --key-file - DEVICE NAME</c>; exit 2 is a wrong key</description></item>
/// <item><term>verify</term><description><c>cryptsetup open --test-passphrase --type luks2 --key-file - DEVICE</c></description></item>
/// <item><term>close</term><description><c>cryptsetup close NAME</c>; exit 5 is a device in use</description></item>
/// <item><term>resize</term><description><c>cryptsetup resize [--key-file -] NAME</c></description></item>
/// </list>
/// </remarks>
public sealed partial class LuksCli : IVolumeEncryption
{
    private const int ExitWrongKey = 2;
    private const int ExitBusy = 5;

    /// <summary>How much of what cryptsetup said an error message keeps.</summary>
    private const int SaidLength = 500;

    private readonly ICommandRunner _runner;
    private readonly LuksOptions _options;
    private readonly ILogger<LuksCli> _logger;

    public LuksCli(ICommandRunner runner, LuksOptions options, ILogger<LuksCli> logger)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    /// <summary>The luksFormat argv (without the program), for a device.</summary>
    public IReadOnlyList<string> FormatArguments(string device)
    {
        var args = new List<string> { "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", _options.Pbkdf };
        if (_options.Pbkdf != "pbkdf2")
        {
            args.AddRange(["--pbkdf-memory", Number(_options.PbkdfMemoryKiB), "--pbkdf-parallel", Number(_options.PbkdfParallel)]);
        }

        args.AddRange(["--pbkdf-force-iterations", Number(_options.PbkdfIterations), "--key-file", "-", device]);
        return args;
    }

    public async Task FormatAsync(string device, string key, CancellationToken cancellationToken)
    {
        RequireKey(key);
        await RunCheckedAsync($"Encrypting {device} (luksFormat)", Spec(FormatArguments(device), key), cancellationToken).ConfigureAwait(false);
        Log.Formatted(_logger, device, _options.Pbkdf, _options.PbkdfMemoryKiB, _options.PbkdfIterations);
    }

    public async Task OpenAsync(string device, string name, string key, CancellationToken cancellationToken)
    {
        RequireKey(key);
        var spec = Spec(["open", "--type", "luks2", "--key-file", "-", device, name], key);
        var result = await RunAsync($"Opening {device} as {name}", spec, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ExitWrongKey)
        {
            throw new EncryptionKeyRejectedException($"the key does not open the encrypted volume on {device} (cryptsetup: {Said(result)}); nothing was changed");
        }

        Check(result, $"Opening {device} as {name}", spec);
        Log.Opened(_logger, device, name);
    }

    public async Task VerifyKeyAsync(string device, string key, CancellationToken cancellationToken)
    {
        RequireKey(key);
        var spec = Spec(["open", "--test-passphrase", "--type", "luks2", "--key-file", "-", device], key) with { Mutates = false };
        var result = await RunAsync($"Checking the key of {device}", spec, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ExitWrongKey)
        {
            throw new EncryptionKeyRejectedException($"the key does not open the encrypted volume on {device} (cryptsetup: {Said(result)})");
        }

        Check(result, $"Checking the key of {device}", spec);
    }

    public async Task CloseAsync(string name, CancellationToken cancellationToken)
    {
        var spec = Spec(["close", name], null);
        var result = await RunAsync($"Closing {name}", spec, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ExitBusy)
        {
            throw new EncryptedDeviceBusyException($"the encrypted device {name} is still in use (cryptsetup: {Said(result)})");
        }

        Check(result, $"Closing {name}", spec);
        Log.Closed(_logger, name);
    }

    public async Task ResizeAsync(string name, string? key, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> args = string.IsNullOrEmpty(key) ? ["resize", name] : ["resize", "--key-file", "-", name];
        var spec = Spec(args, string.IsNullOrEmpty(key) ? null : key);
        var result = await RunAsync($"Resizing {name}", spec, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ExitWrongKey)
        {
            throw new EncryptionKeyRejectedException($"the key does not open the encrypted device {name} (cryptsetup: {Said(result)})");
        }

        Check(result, $"Resizing {name}", spec);
        Log.Resized(_logger, name);
    }

    private CommandSpec Spec(IReadOnlyList<string> args, string? key) =>
        new("cryptsetup", args) { Timeout = _options.CommandTimeout, Mutates = true, StandardInput = key };

    private async Task RunCheckedAsync(string action, CommandSpec spec, CancellationToken cancellationToken) =>
        Check(await RunAsync(action, spec, cancellationToken).ConfigureAwait(false), action, spec);

    private Task<CommandResult> RunAsync(string action, CommandSpec spec, CancellationToken cancellationToken) =>
        HostTools.RunAsync(_runner, action, spec, cancellationToken, name: "cryptsetup");

    private static void Check(CommandResult result, string action, CommandSpec spec)
    {
        if (!result.Succeeded)
        {
            throw HostTools.Failure(action, spec, result, maxLength: SaidLength);
        }
    }

    /// <summary>What cryptsetup said, on one line.</summary>
    private static string Said(CommandResult result) => HostTools.Said(result, SaidLength);

    private static void RequireKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("An encryption key cannot be empty.", nameof(key));
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3400, EventName = "LuksFormatted", Level = LogLevel.Information, Message = "Encrypted {Device} (LUKS2, {Pbkdf}, {MemoryKiB} KiB, {Iterations} iterations)")]
        public static partial void Formatted(ILogger logger, string device, string pbkdf, int memoryKiB, int iterations);

        [LoggerMessage(EventId = 3401, EventName = "LuksOpened", Level = LogLevel.Information, Message = "Opened encrypted {Device} as {Name}")]
        public static partial void Opened(ILogger logger, string device, string name);

        [LoggerMessage(EventId = 3402, EventName = "LuksClosed", Level = LogLevel.Information, Message = "Closed encrypted device {Name}")]
        public static partial void Closed(ILogger logger, string name);

        [LoggerMessage(EventId = 3403, EventName = "LuksResized", Level = LogLevel.Information, Message = "Resized encrypted device {Name} to its backing device")]
        public static partial void Resized(ILogger logger, string name);
    }
}
