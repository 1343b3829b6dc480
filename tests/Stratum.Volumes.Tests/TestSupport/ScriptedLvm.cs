using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Stratum.Platform.Exec;
using Stratum.Testing.Volumes;
using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes.Tests.TestSupport;

/// <summary>
/// A command runner that plays the <c>lvm</c> binary over a tiny model (one VG <c>vg0</c> of two
/// 10 GiB PVs, its LVs with their tags), answering LvmCli's real command lines with JSON shaped like
/// LVM 2.03.16's, and recording every process started. With it the real <see cref="Stratum.Lvm.LvmCli"/>
/// runs under the engine natively, so the LVM processes each call costs are counted exactly.
/// </summary>
internal sealed partial class ScriptedLvm : ICommandRunner
{
    private const long Extent = 4L << 20;
    private const long PvBytes = (10L << 30) - Extent;
    private const string VgUuid = "VgUuid-aaaa-bbbb-cccc-dddd-eeee-ffffff";

    private readonly Lock _gate = new();
    private readonly List<string[]> _argvs = [];
    private readonly List<Lv> _lvs = [];
    private int _minor;

    /// <summary>Every command run so far, as "lvm SUBCOMMAND" words (lvcreate, lvchange, fullreport, ...).</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_gate)
            {
                return [.. _argvs.Select(a => a[1])];
            }
        }
    }

    /// <summary>When set, each LV created also appears here as the kernel would show its device (node, device-mapper name, UUID, size).</summary>
    public FakeFilesystem? Kernel { get; init; }

    /// <summary>When set, the next lvchange that changes tags fails as a killed one would (exit 5), and this is cleared.</summary>
    public bool FailNextTagChange { get; set; }

    public void Reset()
    {
        lock (_gate)
        {
            _argvs.Clear();
        }
    }

    /// <summary>When set, every lvchange that changes tags waits for it before it runs.</summary>
    public TaskCompletionSource? TagChangesHeld { get; set; }

    /// <summary>When set, every fullreport reads the model when it starts but answers only once this completes (a report overtaken by changes).</summary>
    public TaskCompletionSource? ReportsHeld { get; set; }

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken) =>
        TagChangesHeld is { } held && spec.Arguments is ["lvchange", ..] && !spec.Arguments.Contains("--activate")
            ? RunAfterAsync(held.Task, spec)
            : ReportsHeld is { } reports && spec.Arguments is ["fullreport", ..]
                ? AnswerAfterAsync(Run(spec), reports.Task)
                : Run(spec);

    private static async Task<CommandResult> AnswerAfterAsync(Task<CommandResult> read, Task gate)
    {
        var result = await read.ConfigureAwait(false);
        await gate.ConfigureAwait(false);
        return result;
    }

    private async Task<CommandResult> RunAfterAsync(Task gate, CommandSpec spec)
    {
        await gate.ConfigureAwait(false);
        return await Run(spec).ConfigureAwait(false);
    }

    private Task<CommandResult> Run(CommandSpec spec)
    {
        lock (_gate)
        {
            string[] argv = [spec.Executable, .. spec.Arguments];
            _argvs.Add(argv);
            if (spec.Executable != "lvm")
            {
                throw new InvalidOperationException($"not an LVM command: {spec}");
            }

            var args = spec.Arguments;
            return Task.FromResult(args[0] switch
            {
                "vgs" => Ok(Report("vg", VgRow())),
                "pvs" => Ok(Report("pv", PvRows())),
                "lvs" => Lvs(args[^1]),
                "fullreport" => FullReport(args),
                "lvcreate" => LvCreate(args),
                "lvchange" => LvChange(args),
                "lvremove" => LvRemove(args),
                _ => throw new InvalidOperationException($"the script does not know {spec}"),
            });
        }
    }

    private CommandResult Lvs(string target)
    {
        IEnumerable<Lv> rows = target.StartsWith('@') ? _lvs.Where(l => l.Tags.Contains(target[1..]))
            : target.Contains('/') ? _lvs.Where(l => $"vg0/{l.Name}" == target)
            : _lvs;
        return !target.StartsWith('@') && target.Contains('/') && !rows.Any()
            ? new CommandResult(5, "", $"  Failed to find logical volume \"{target}\"\n", TimeSpan.Zero)
            : Ok(Report("lv", string.Join(",\n", rows.Select(l => LvRow(l, withSegment: true)))));
    }

    private CommandResult FullReport(IReadOnlyList<string> args)
    {
        var tag = args.SkipWhile(a => a != "lv").Skip(1).SkipWhile(a => a != "--select").Skip(1).FirstOrDefault() is { } selection && selection.StartsWith("lv_tags=", StringComparison.Ordinal)
            ? TagsIn(selection).Single()
            : null;
        var lvs = _lvs.Where(l => tag is null || l.Tags.Contains(tag)).ToList();
        var json = $$"""
  {
      "report": [
          {
              "vg": [{{VgRow()}}],
              "pv": [{{PvRows()}}],
              "lv": [{{string.Join(",", lvs.Select(l => LvRow(l, withSegment: false)))}}],
              "pvseg": [],
              "seg": [{{string.Join(",", lvs.Select(l => $$"""{"lv_uuid":"{{l.Uuid}}", "segtype":"linear", "stripes":"1"}"""))}}]
          }
      ]
  }
""";
        return Ok(json);
    }

    private CommandResult LvCreate(IReadOnlyList<string> args)
    {
        var name = After(args, "--name");
        if (_lvs.Any(l => l.Name == name))
        {
            return new CommandResult(5, "", $"  Logical Volume \"{name}\" already exists in volume group \"vg0\"\n", TimeSpan.Zero);
        }

        var size = long.Parse(After(args, "--size").TrimEnd('b'), CultureInfo.InvariantCulture);
        var tags = args.Select((a, i) => (a, i)).Where(p => p.a == "--addtag").Select(p => args[p.i + 1]).ToList();
        var lv = new Lv(name, $"Uuid{++_minor:D2}-aaaa-bbbb-cccc-dddd-eeee-ffffff", (size + Extent - 1) / Extent * Extent, tags, _minor);
        _lvs.Add(lv);
        Kernel?.AddDeviceMapperDevice(
            $"/dev/vg0/{name}", new DeviceNumber(253, (uint)lv.Minor), $"vg0-{name.Replace("-", "--", StringComparison.Ordinal)}",
            "LVM-" + VgUuid.Replace("-", "", StringComparison.Ordinal) + lv.Uuid.Replace("-", "", StringComparison.Ordinal), lv.Size / 512);
        return Ok($"  Logical volume \"{name}\" created.\n");
    }

    private CommandResult LvChange(IReadOnlyList<string> args)
    {
        if (args.Contains("--activate"))
        {
            return Ok(string.Empty);
        }

        var target = args[^1];
        var lv = _lvs.FirstOrDefault(l => $"vg0/{l.Name}" == target);
        if (lv is null)
        {
            return new CommandResult(5, "", $"  Failed to find logical volume \"{target}\"\n", TimeSpan.Zero);
        }

        if (!Selected(lv, args))
        {
            return Ok(string.Empty);
        }

        if (FailNextTagChange)
        {
            FailNextTagChange = false;
            return new CommandResult(5, "", "  Interrupted.\n", TimeSpan.Zero);
        }

        var add = args.Select((a, i) => (a, i)).Where(p => p.a == "--addtag").Select(p => args[p.i + 1]);
        var remove = args.Select((a, i) => (a, i)).Where(p => p.a == "--deltag").Select(p => args[p.i + 1]).ToHashSet(StringComparer.Ordinal);
        lv.Tags = [.. lv.Tags.Concat(add).Where(t => !remove.Contains(t)).Distinct()];
        return Ok($"  Logical volume {target} changed.\n");
    }

    private CommandResult LvRemove(IReadOnlyList<string> args)
    {
        var target = args[^1];
        var lv = _lvs.FirstOrDefault(l => $"vg0/{l.Name}" == target);
        if (lv is null)
        {
            return new CommandResult(5, "", $"  Failed to find logical volume \"{target}\"\n", TimeSpan.Zero);
        }

        if (!Selected(lv, args))
        {
            return Ok(string.Empty);
        }

        _lvs.Remove(lv);
        return Ok($"  Logical volume \"{lv.Name}\" successfully removed.\n");
    }

    /// <summary>The parts of a selection the engine uses on plain LVs: the UUID and the tags.</summary>
    private static bool Selected(Lv lv, IReadOnlyList<string> args)
    {
        var selection = After(args, "--select", optional: true);
        if (selection is null)
        {
            return true;
        }

        var uuid = UuidClause().Match(selection);
        return (!uuid.Success || uuid.Groups[1].Value == lv.Uuid) && TagsIn(selection).All(lv.Tags.Contains);
    }

    private static IEnumerable<string> TagsIn(string selection) => TagClause().Matches(selection).Select(m => m.Groups[1].Value);

    private static string After(IReadOnlyList<string> args, string option, bool optional = false)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == option)
            {
                return args[i + 1];
            }
        }

        return optional ? null! : throw new InvalidOperationException($"no {option} in the command");
    }

    private long Free => (2 * PvBytes) - _lvs.Sum(l => l.Size);

    private string VgRow() =>
        $$"""{"vg_name":"vg0", "vg_uuid":"{{VgUuid}}", "vg_size":"{{2 * PvBytes}}", "vg_free":"{{Free}}", "vg_extent_size":"{{Extent}}", "vg_extent_count":"{{2 * PvBytes / Extent}}", "vg_free_count":"{{Free / Extent}}", "vg_tags":"", "vg_attr":"wz--n-", "pv_count":"2", "lv_count":"{{_lvs.Count}}"}""";

    private string PvRows()
    {
        var used = _lvs.Sum(l => l.Size);
        var first = Math.Min(used, PvBytes);
        return string.Join(", ",
            $$"""{"pv_name":"/dev/vda", "vg_name":"vg0", "pv_uuid":"PvUuidA-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv_size":"{{PvBytes}}", "pv_free":"{{PvBytes - first}}", "pv_attr":"a--", "pv_tags":"", "dev_size":"{{10L << 30}}"}""",
            $$"""{"pv_name":"/dev/vdb", "vg_name":"vg0", "pv_uuid":"PvUuidB-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv_size":"{{PvBytes}}", "pv_free":"{{PvBytes - (used - first)}}", "pv_attr":"a--", "pv_tags":"", "dev_size":"{{10L << 30}}"}""");
    }

    private static string LvRow(Lv lv, bool withSegment)
    {
        var row = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $$"""{"lv_name":"{{lv.Name}}", "vg_name":"vg0", "lv_uuid":"{{lv.Uuid}}", "lv_size":"{{lv.Size}}", "lv_tags":"{{string.Join(",", lv.Tags)}}", "lv_attr":"-wi-a-----", """)
            .Append(CultureInfo.InvariantCulture, $$"""
                "lv_path":"/dev/vg0/{{lv.Name}}", "lv_dm_path":"/dev/mapper/vg0-{{lv.Name}}", "lv_kernel_major":"253", "lv_kernel_minor":"{{lv.Minor}}", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "lv_active":"active", "lv_health_status":""
                """);
        if (withSegment)
        {
            row.Append(""", "segtype":"linear", "stripes":"1" """);
        }

        return row.Append('}').ToString();
    }

    private static string Report(string section, string rows) => $$"""
  {
      "report": [
          {
              "{{section}}": [{{rows}}]
          }
      ]
  }
""";

    private static CommandResult Ok(string stdout) => new(0, stdout, string.Empty, TimeSpan.FromMilliseconds(1));

    [GeneratedRegex("lv_uuid=\"([^\"]*)\"")]
    private static partial Regex UuidClause();

    [GeneratedRegex("lv_tags=\\{\"([^\"]*)\"\\}")]
    private static partial Regex TagClause();

    private sealed class Lv(string name, string uuid, long size, List<string> tags, int minor)
    {
        public string Name { get; } = name;

        public string Uuid { get; } = uuid;

        public long Size { get; } = size;

        public List<string> Tags { get; set; } = tags;

        public int Minor { get; } = minor;
    }
}
