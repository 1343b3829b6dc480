using System.Collections.Concurrent;
using System.Globalization;
using Stratum.Testing.Lvm;

namespace Stratum.Testing.Conformance;

/// <summary>
/// Records the <c>lvm</c> commands a plugin process runs, and holds chosen ones, through a small
/// wrapper script named <c>lvm</c> in <see cref="BinDirectory"/> (put first on the process's
/// PATH). The wrapper appends its argument vector to a log, and while a gate is set it parks the
/// command until this recorder lets it go; then it runs the real lvm. Each command is mapped to
/// the <see cref="LvmOperation"/> and target that <see cref="RecordingLvm"/> would record for the
/// same ILvm call (an lvcreate's read-back counts as a lookup of its own). Thread-safe.
/// </summary>
public sealed class LvmCommandRecorder : ILvmCallLog, IAsyncDisposable
{
    private const char Separator = '\u001f';

    private readonly string _directory;
    private readonly string _callsFile;
    private readonly string _waitingDirectory;
    private readonly string _holdingFlag;
    private readonly Lock _gate = new();
    private readonly List<(LvmGate Gate, LvmOperation Operation, string Target)> _holds = [];
    private readonly ConcurrentDictionary<string, bool> _parked = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poller;

    // The calls file is read incrementally: each access reads only what the wrapper appended since
    // the last one (a suite makes thousands of lvm calls, and re-parsing them all on every count
    // made the test process the busiest one in the VM).
    private readonly Lock _reading = new();
    private readonly List<IReadOnlyList<string>> _commands = [];
    private readonly List<LvmCall> _calls = [];
    private readonly SemaphoreSlim _holdAdded = new(0);
    private InvalidOperationException? _unknownCommand;
    private long _readOffset;
    private byte[] _partialLine = [];
    private int _mutatingCalls;

    /// <param name="directory">A new directory on a filesystem that allows executables (e.g. below /run).</param>
    public LvmCommandRecorder(string directory)
    {
        _directory = directory;
        BinDirectory = Path.Combine(directory, "bin");
        _callsFile = Path.Combine(directory, "calls");
        _waitingDirectory = Path.Combine(directory, "waiting");
        _holdingFlag = Path.Combine(directory, "holding");
        Directory.CreateDirectory(BinDirectory);
        Directory.CreateDirectory(_waitingDirectory);
        File.WriteAllText(_callsFile, string.Empty);
        var real = FindOnPath("lvm") ?? throw new InvalidOperationException("lvm is not on PATH");
        var wrapper = Path.Combine(BinDirectory, "lvm");
        File.WriteAllText(wrapper, $$"""
            #!/bin/bash
            # Written by the conformance suite: records this lvm command, parks it while a gate is set, runs the real lvm.
            rec='{{directory}}'
            line=$(printf '%s\x1f' "$@")
            exec 9>>"$rec/calls.lock"
            flock 9
            n=$(wc -l <"$rec/calls")
            printf '%s\n' "$line" >>"$rec/calls"
            flock -u 9
            exec 9>&-
            if [[ -e $rec/holding ]]; then
              printf '%s\n' "$line" >"$rec/waiting/$n.tmp" && mv "$rec/waiting/$n.tmp" "$rec/waiting/$n"
              while [[ ! -e $rec/waiting/$n.go ]]; do sleep 0.05; done
              rm -f "$rec/waiting/$n" "$rec/waiting/$n.go"
            fi
            exec '{{real}}' "$@"
            """ + "\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _poller = Task.Run(PollAsync);
    }

    /// <summary>Put this directory first on the plugin's PATH.</summary>
    public string BinDirectory { get; }

    /// <summary>The lvm commands run so far, as argument vectors (without the leading <c>lvm</c>).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Commands
    {
        get
        {
            lock (_reading)
            {
                ReadNewCommands();
                return [.. _commands];
            }
        }
    }

    /// <summary>Every call so far; throws when the plugin ran an lvm command the suite does not know.</summary>
    public IReadOnlyList<LvmCall> Calls => CallsSince(0);

    public int CallCount
    {
        get
        {
            lock (_reading)
            {
                ReadNewCommands();
                return _commands.Count;
            }
        }
    }

    public int MutatingCallCount
    {
        get
        {
            lock (_reading)
            {
                ReadNewCommands();
                ThrowIfUnknown();
                return _mutatingCalls;
            }
        }
    }

    public IReadOnlyList<LvmCall> CallsSince(int mark)
    {
        lock (_reading)
        {
            ReadNewCommands();
            ThrowIfUnknown();
            return _calls.Skip(mark).ToList();
        }
    }

    public int CountSince(int mark, LvmOperation operation) => CallsSince(mark).Count(c => c.Operation == operation);

    public LvmGate Hold(LvmOperation operation, string target)
    {
        lock (_gate)
        {
            LvmGate? gate = null;
            gate = new LvmGate(operation, _ => Remove(gate!));
            _holds.Add((gate, operation, target));
            File.WriteAllText(_holdingFlag, string.Empty);
            _holdAdded.Release();
            return gate;
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var hold in _holds.ToList())
            {
                hold.Gate.Release();
            }
        }

        await _stop.CancelAsync();
        try
        {
            await _poller;
        }
        catch (OperationCanceledException)
        {
        }

        ReleaseAllParked();
        _stop.Dispose();
        _holdAdded.Dispose();
    }

    /// <summary>Appends the complete lines the wrapper wrote since the last read. Called under <see cref="_reading"/>.</summary>
    private void ReadNewCommands()
    {
        byte[] added;
        using (var file = new FileStream(_callsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (file.Length <= _readOffset)
            {
                return;
            }

            file.Position = _readOffset;
            added = new byte[file.Length - _readOffset];
            file.ReadExactly(added);
        }

        _readOffset += added.Length;
        var text = _partialLine.Concat(added).ToArray();
        var end = Array.LastIndexOf(text, (byte)'\n');
        _partialLine = text[(end + 1)..];
        if (end < 0)
        {
            return;
        }

        foreach (var line in System.Text.Encoding.UTF8.GetString(text, 0, end).Split('\n'))
        {
            var args = line.TrimEnd(Separator).Split(Separator);
            _commands.Add(args);
            if (_unknownCommand is not null)
            {
                continue;
            }

            try
            {
                var call = ToCall(args);
                _calls.Add(call);
                _mutatingCalls += RecordingLvm.Mutating.Contains(call.Operation) ? 1 : 0;
            }
            catch (InvalidOperationException unknown)
            {
                _unknownCommand = unknown;
            }
        }
    }

    private void ThrowIfUnknown()
    {
        if (_unknownCommand is not null)
        {
            throw new InvalidOperationException(_unknownCommand.Message, _unknownCommand);
        }
    }

    /// <summary>What <see cref="RecordingLvm"/> would record for the ILvm call that ran this command.</summary>
    public static LvmCall ToCall(IReadOnlyList<string> args)
    {
        var command = args.Count > 0 ? args[0] : string.Empty;
        var last = args.Count > 1 ? args[^1] : string.Empty;
        var lastIsValue = args.Count > 2 && args[^2] is "-o" or "--options";
        return command switch
        {
            "lvcreate" => new LvmCall(CreateOperation(args), $"{LvCreateVolumeGroup(args)}/{ValueOf(args, "--name")}"),
            // LvmCli removes with a selection (RemoveVolumeIf, also inside RemoveVolume); a plain lvremove is RemoveVolume's second step.
            "lvremove" => new LvmCall(args.Contains("--select") ? LvmOperation.RemoveVolumeIf : LvmOperation.RemoveVolume, last),
            "lvextend" => new LvmCall(LvmOperation.ExtendVolume, last),
            "lvchange" when args.Contains("--addtag") || args.Contains("--deltag") => new LvmCall(args.Contains("--select") ? LvmOperation.ChangeTagsIf : LvmOperation.ChangeTags, last),
            "lvchange" when args.Contains("--refresh") => new LvmCall(LvmOperation.RefreshVolume, last),
            "lvchange" => new LvmCall(ValueOf(args, "--activate") == "n" ? LvmOperation.DeactivateVolume : LvmOperation.ActivateVolume, last),
            "vgchange" => new LvmCall(LvmOperation.ActivateVolumeGroup, last),
            "pvcreate" => new LvmCall(LvmOperation.CreatePhysicalVolume, last),
            "vgcreate" => new LvmCall(LvmOperation.CreateVolumeGroup, FirstAfterTags(args)),
            "vgextend" => new LvmCall(LvmOperation.ExtendVolumeGroup, args.Count > 1 ? args[1] : string.Empty),
            "lvs" when last.StartsWith('@') => new LvmCall(LvmOperation.FindLogicalVolumesByTag, last[1..]),
            "lvs" when last.Contains('/', StringComparison.Ordinal) => new LvmCall(LvmOperation.GetLogicalVolume, last),
            "lvs" => new LvmCall(LvmOperation.ListLogicalVolumes, lastIsValue ? string.Empty : last),
            "vgs" => lastIsValue ? new LvmCall(LvmOperation.ListVolumeGroups, string.Empty) : new LvmCall(LvmOperation.GetVolumeGroup, last),
            "pvs" => new LvmCall(LvmOperation.ListPhysicalVolumes, lastIsValue ? string.Empty : last),
            // One report of everything, or of the VG named last (after the option values).
            "fullreport" => new LvmCall(LvmOperation.Report, args.Count > 2 && args[^2] is "--select" or "-o" or "--options" ? string.Empty : last),
            _ => throw new InvalidOperationException($"the plugin ran an lvm command the suite does not know: lvm {string.Join(' ', args)}"),
        };
    }

    private static LvmOperation CreateOperation(IReadOnlyList<string> args) =>
        (ValueOf(args, "--type"), args.Contains("--snapshot")) switch
        {
            ("thin-pool", _) => LvmOperation.CreateThinPool,
            ("thin", _) => LvmOperation.CreateThinVolume,
            (_, true) when args.Contains("--size") => LvmOperation.CreateSnapshot,
            (_, true) => LvmOperation.CreateThinSnapshot,
            // The lvcreate alone: CreateVolume's read-back is a lookup of its own here.
            _ => LvmOperation.CreateVolumeWithoutReadBack,
        };

    /// <summary>lvcreate names its VG (or, for a snapshot, <c>vg/origin</c>) after the options, optionally followed by PV paths.</summary>
    private static string LvCreateVolumeGroup(IReadOnlyList<string> args) =>
        (args.Reverse().FirstOrDefault(a => !a.StartsWith('/')) ?? string.Empty).Split('/')[0];

    /// <summary>vgcreate [--addtag TAG]... NAME DEVICE...</summary>
    private static string FirstAfterTags(IReadOnlyList<string> args)
    {
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] == "--addtag")
            {
                i++;
            }
            else
            {
                return args[i];
            }
        }

        return string.Empty;
    }

    private static string? ValueOf(IReadOnlyList<string> args, string option)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == option)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private void Remove(LvmGate gate)
    {
        lock (_gate)
        {
            _holds.RemoveAll(h => ReferenceEquals(h.Gate, gate));
            if (_holds.Count == 0)
            {
                File.Delete(_holdingFlag);
            }
        }
    }

    /// <summary>Lets each parked command go at once, or once the gate it matches is released.</summary>
    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var path in Directory.EnumerateFiles(_waitingDirectory))
            {
                var name = Path.GetFileName(path);
                if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _) || !_parked.TryAdd(name, true))
                {
                    continue;
                }

                string line;
                try
                {
                    line = await File.ReadAllTextAsync(path);
                }
                catch (IOException)
                {
                    _parked.TryRemove(name, out _);
                    continue;
                }

                LvmGate? gate = null;
                try
                {
                    var call = ToCall(line.TrimEnd('\n').TrimEnd(Separator).Split(Separator));
                    lock (_gate)
                    {
                        gate = _holds.FirstOrDefault(h => h.Operation == call.Operation && h.Target == call.Target).Gate;
                    }
                }
                catch (InvalidOperationException)
                {
                    // A command the suite does not know is never held (Calls reports it as a failure).
                }

                var go = path + ".go";
                if (gate is null)
                {
                    await File.WriteAllTextAsync(go, string.Empty);
                    continue;
                }

                _ = Task.Run(async () =>
                {
                    await gate.PassAsync(CancellationToken.None);
                    await File.WriteAllTextAsync(go, string.Empty);
                });
            }

            // Commands park only while a gate is set: poll often then, and otherwise wake when a
            // gate is set or once a second (for a command that saw the flag just before it went).
            bool holding;
            lock (_gate)
            {
                holding = _holds.Count > 0;
            }

            if (holding)
            {
                await Task.Delay(20, _stop.Token);
            }
            else
            {
                await _holdAdded.WaitAsync(TimeSpan.FromSeconds(1), _stop.Token);
            }
        }
    }

    private void ReleaseAllParked()
    {
        foreach (var path in Directory.EnumerateFiles(_waitingDirectory).Where(p => !p.EndsWith(".go", StringComparison.Ordinal) && !p.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            File.WriteAllText(path + ".go", string.Empty);
        }
    }
}
