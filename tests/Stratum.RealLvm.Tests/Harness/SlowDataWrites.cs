using System.Globalization;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// Makes every write to a PV's data area hang (a dm-delay target whose writes wait a minute and
/// then go to an <c>error</c> device), while its first sectors (the PV label and LVM metadata)
/// stay a plain linear mapping. LVM commits metadata as usual; a command that writes to an LV,
/// e.g. lvcreate wiping its new LV, hangs there. Disposing restores the slice's linear table:
/// suspending flushes the held writes to the error device, so none of them ever reaches the disk.
/// </summary>
public sealed class SlowDataWrites : IAsyncDisposable
{
    private readonly DiskSlice _slice;
    private readonly string _errorDevice;

    private SlowDataWrites(DiskSlice slice, string errorDevice)
    {
        _slice = slice;
        _errorDevice = errorDevice;
    }

    /// <summary>Delays writes beyond the first extent's start (pe_start) of the PV on <paramref name="slice"/>.</summary>
    public static async Task<SlowDataWrites> ApplyAsync(DiskSlice slice)
    {
        var peStart = long.Parse(
            (await Sh.RunAsync("pvs", "--noheadings", "--units", "s", "--nosuffix", "-o", "pe_start", slice.DevicePath)).Stdout.Trim(),
            CultureInfo.InvariantCulture);
        var errorDevice = $"tberr_{slice.Name}";
        await Sh.RunAsync("dmsetup", "create", errorDevice, "--table", $"0 {slice.SectorCount} error");
        var rest = slice.SectorCount - peStart;
        var table = $"0 {peStart} linear {slice.Disk} {slice.StartSector}\n"
            + $"{peStart} {rest} delay {slice.Disk} {slice.StartSector + peStart} 0 /dev/mapper/{errorDevice} {peStart} 60000";
        await ReloadAsync(slice, table);
        return new SlowDataWrites(slice, errorDevice);
    }

    public async ValueTask DisposeAsync()
    {
        await ReloadAsync(_slice, _slice.LinearTable);
        await Sh.RunAsync("dmsetup", "remove", "--retry", _errorDevice);
    }

    private static async Task ReloadAsync(DiskSlice slice, string table)
    {
        await Sh.RunAsync("dmsetup", "suspend", slice.Name);
        try
        {
            // A table of several lines goes in a file: --table takes one line.
            var file = Path.Combine(Path.GetTempPath(), $"{slice.Name}.table");
            await File.WriteAllTextAsync(file, table + "\n");
            await Sh.RunAsync("dmsetup", "load", slice.Name, file);
            File.Delete(file);
        }
        finally
        {
            await Sh.RunAsync("dmsetup", "resume", slice.Name);
        }
    }
}
