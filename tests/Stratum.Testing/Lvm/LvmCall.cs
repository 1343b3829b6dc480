namespace Stratum.Testing.Lvm;

/// <summary>One recorded call of an <see cref="Stratum.Lvm.ILvm"/> method on the simulator.</summary>
/// <param name="Operation">The method.</param>
/// <param name="Target">What it was aimed at: <c>vg/lv</c>, a VG name, a tag, a device, or empty.</param>
public sealed record LvmCall(LvmOperation Operation, string Target);
