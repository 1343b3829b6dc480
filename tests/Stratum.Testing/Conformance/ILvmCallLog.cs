using Stratum.Testing.Lvm;

namespace Stratum.Testing.Conformance;

/// <summary>
/// What the conformance suite knows of the plugin's LVM calls: every call in order (operation and
/// target), and gates that hold chosen calls in flight. In-process the plugin's <see cref="Stratum.Lvm.ILvm"/>
/// is a <see cref="RecordingLvm"/>; a plugin run as a process (the published binary) runs the
/// <c>lvm</c> commands that an <see cref="LvmCommandRecorder"/> records.
/// </summary>
public interface ILvmCallLog
{
    /// <summary>Every call so far, in order.</summary>
    IReadOnlyList<LvmCall> Calls { get; }

    /// <summary>Number of calls of any operation so far.</summary>
    int CallCount { get; }

    /// <summary>Number of calls of <see cref="RecordingLvm.Mutating"/> operations so far.</summary>
    int MutatingCallCount { get; }

    /// <summary>Calls made since <paramref name="mark"/> (a <see cref="CallCount"/> read earlier).</summary>
    IReadOnlyList<LvmCall> CallsSince(int mark);

    /// <summary>How many times <paramref name="operation"/> was called since <paramref name="mark"/>.</summary>
    int CountSince(int mark, LvmOperation operation);

    /// <summary>Holds calls of <paramref name="operation"/> aimed at exactly <paramref name="target"/> until the gate is released.</summary>
    LvmGate Hold(LvmOperation operation, string target);
}
