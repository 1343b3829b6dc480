using Stratum.Volumes.Filesystems;

namespace Stratum.Volumes.IoLimits;

/// <summary>
/// The pods' cgroups (cgroup v2) under a root (<c>/sys/fs/cgroup</c> on a node; a plain directory
/// tree in tests), and their <c>io.max</c>. kubelet makes one cgroup per pod before it mounts the
/// pod's volumes, named after the pod's UID: with the systemd driver
/// <c>kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid, '-' as '_'&gt;.slice</c>
/// (<c>kubepods-pod…</c> for Guaranteed pods, <c>kubepods-besteffort-…</c>), with the cgroupfs
/// driver <c>kubepods/burstable/pod&lt;uid&gt;</c> (<c>kubepods/pod…</c>, <c>kubepods/besteffort/…</c>).
/// A pod's cgroup is searched for below the root through directories named <c>kube*</c> (and the
/// cgroupfs QoS levels <c>burstable</c>, <c>besteffort</c>) only
/// (so a kubelet <c>--cgroup-root</c> such as kind's <c>/kubelet.slice</c> is found too) and at
/// most <see cref="MaxDepth"/> levels down. A limit on the pod's cgroup holds every container
/// of the pod together.
/// </summary>
public sealed class PodCgroups
{
    /// <summary>The default root: where a node mounts cgroup v2.</summary>
    public const string DefaultRoot = "/sys/fs/cgroup";

    private const int MaxDepth = 5;

    public PodCgroups(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    public string Root { get; }

    /// <summary>Writes the pod's limits for <paramref name="device"/>.</summary>
    /// <exception cref="VolumeException">FailedPrecondition: no cgroup v2, no io controller, or no cgroup for the pod.</exception>
    public string Apply(string podUid, DeviceNumber device, IoMax limits)
    {
        RequireIoController();
        var pod = FindPod(podUid)
            ?? throw new VolumeException(VolumeError.FailedPrecondition,
                $"no cgroup for pod {podUid} under {Root} (looked for kubelet's systemd and cgroupfs layouts); IO limits cannot be applied");
        Write(pod, device, limits);
        return pod;
    }

    /// <summary>Lifts the pod's limits for <paramref name="device"/>; nothing to do when the pod's cgroup is gone. Returns the cgroup changed.</summary>
    public string? Lift(string podUid, DeviceNumber device)
    {
        var pod = FindPod(podUid);
        if (pod is null || !File.Exists(Path.Combine(pod, "io.max")) || !HasLine(pod, device))
        {
            return null;
        }

        Write(pod, device, IoMax.Unlimited);
        return pod;
    }

    /// <summary>The pod cgroups whose <c>io.max</c> has a line for <paramref name="device"/> (those the volume is published to with limits).</summary>
    public IReadOnlyList<string> FindLimited(DeviceNumber device) =>
        [.. PodDirectories().Where(d => HasLine(d, device))];

    /// <summary>Writes one <c>io.max</c> line.</summary>
    public static void Write(string cgroup, DeviceNumber device, IoMax limits) =>
        File.WriteAllText(Path.Combine(cgroup, "io.max"), limits.ToLine(device) + "\n");

    /// <summary>The cgroup of the pod, or null.</summary>
    public string? FindPod(string podUid)
    {
        if (!Guid.TryParse(podUid, out _))
        {
            throw new VolumeException(VolumeError.InvalidArgument, $"'{podUid}' is not a pod UID");
        }

        var cgroupfs = $"pod{podUid}";
        var systemd = $"-pod{podUid.Replace('-', '_')}.slice";
        return PodDirectories().FirstOrDefault(d =>
        {
            var name = Path.GetFileName(d);
            return name == cgroupfs || name.EndsWith(systemd, StringComparison.Ordinal);
        });
    }

    private void RequireIoController()
    {
        var controllers = Path.Combine(Root, "cgroup.controllers");
        if (!File.Exists(controllers))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"this node has no cgroup v2 at {Root} (no cgroup.controllers: cgroup v1 or hybrid); IO limits need cgroup v2's io.max, so the volume is not published without them");
        }

        if (!File.ReadAllText(controllers).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Contains("io"))
        {
            throw new VolumeException(VolumeError.FailedPrecondition,
                $"the cgroup v2 hierarchy at {Root} has no io controller; IO limits cannot be applied, so the volume is not published without them");
        }
    }

    private IEnumerable<string> PodDirectories()
    {
        var queue = new Queue<(string Dir, int Depth)>();
        queue.Enqueue((Root, 0));
        while (queue.Count > 0)
        {
            var (dir, depth) = queue.Dequeue();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(dir).ToList();
            }
            catch (IOException)
            {
                continue; // removed meanwhile
            }

            foreach (var child in children)
            {
                var name = Path.GetFileName(child);
                if (IsPod(name))
                {
                    yield return child;
                }
                else if (depth < MaxDepth && (name.StartsWith("kube", StringComparison.Ordinal) || name is "burstable" or "besteffort"))
                {
                    queue.Enqueue((child, depth + 1));
                }
            }
        }
    }

    private static bool IsPod(string name) =>
        (name.StartsWith("pod", StringComparison.Ordinal) && name.Length == 39)
        || (name.StartsWith("kube", StringComparison.Ordinal) && name.Contains("-pod", StringComparison.Ordinal) && name.EndsWith(".slice", StringComparison.Ordinal));

    private static bool HasLine(string cgroup, DeviceNumber device)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(cgroup, "io.max"));
        }
        catch (IOException)
        {
            return false;
        }

        var prefix = device + " ";
        return text.Split('\n').Any(l => l.StartsWith(prefix, StringComparison.Ordinal));
    }
}
