using Stratum.Platform;

namespace Stratum.Platform.Tests;

public sealed class WorkingSetTests
{
    private const string Smaps = """
        561da6b10000-561da7541000 r-xp 0002f000 fe:00 11673608                   /opt/stratum/stratum
        Size:              10436 kB
        Rss:                9596 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me sd
        561da7c71000-561da7c72000 r--p 01190000 fe:00 11673608                   /opt/stratum/stratum
        Rss:                   4 kB
        Anonymous:             4 kB
        561da803e000-561da809d000 rw-p 0155c000 fe:00 11673608                   /opt/stratum/stratum
        Rss:                 380 kB
        Anonymous:           168 kB
        561da809d000-561da8900000 rw-p 00000000 00:00 0
        Rss:                8132 kB
        Anonymous:          8132 kB
        7f00aa000000-7f00aa100000 r--p 00000000 fe:00 42                         /usr/lib/a dir with spaces/libx.so
        Rss:                 100 kB
        Anonymous:             0 kB
        7ffd1000000-7ffd1021000 rw-p 00000000 00:00 0                          [stack]
        Rss:                  20 kB
        Anonymous:            20 kB
        """;

    [Fact]
    public void ParseSmaps_CannedText_EveryMappingWithItsResidentAndAnonymousBytes()
    {
        var mappings = WorkingSet.ParseSmaps(Smaps);

        Assert.Equal(6, mappings.Count);
        Assert.Equal(new MemoryMapping(0x561da6b10000, 0x561da7541000, "r-xp", "/opt/stratum/stratum", 9596 * 1024, 0), mappings[0]);
        Assert.Equal(string.Empty, mappings[3].Path);
        Assert.Equal("/usr/lib/a dir with spaces/libx.so", mappings[4].Path);
        Assert.Equal("[stack]", mappings[5].Path);
        Assert.Equal(20 * 1024, mappings[5].AnonymousBytes);
    }

    [Theory]
    [InlineData(0, true)]  // code, all pages the file's
    [InlineData(1, false)] // read-only now, but relocated: a page of its own would be lost
    [InlineData(2, false)] // writable data
    [InlineData(3, false)] // anonymous memory (the GC heap, the rehydrated data)
    [InlineData(4, true)]  // read-only data of another file
    [InlineData(5, false)] // the stack
    public void IsCleanFileMapping_EachKind_OnlyUnwrittenPrivateFilePages(int index, bool clean)
    {
        Assert.Equal(clean, WorkingSet.ParseSmaps(Smaps)[index].IsCleanFileMapping);
    }

    [Fact]
    public void TrimFileMappings_ThisProcess_UnmapsTheCleanFilePagesAndKeepsTheOthers()
    {
        static IReadOnlyList<MemoryMapping> Mappings() => WorkingSet.ParseSmaps(File.ReadAllText("/proc/self/smaps"));
        var executable = new FileInfo("/proc/self/exe").LinkTarget;
        var before = Mappings();
        long Clean(IReadOnlyList<MemoryMapping> m) => m.Where(x => x.IsCleanFileMapping).Sum(x => x.ResidentBytes);
        long Own(IReadOnlyList<MemoryMapping> m) => m.Where(x => !x.IsCleanFileMapping).Sum(x => x.AnonymousBytes);

        var trimmed = WorkingSet.TrimFileMappings();
        var after = Mappings();

        Assert.True(trimmed > Clean(before) / 2, $"trimmed {trimmed} of {Clean(before)} bytes");
        Assert.True(Clean(after) < Clean(before) / 2, $"{Clean(after)} bytes of clean file pages still mapped, of {Clean(before)}");
        Assert.Equal(0, after.Where(m => m.Path == executable && m.IsCleanFileMapping).Sum(m => m.ResidentBytes)); // the dotnet host runs no code of its own now
        Assert.True(Own(after) >= Own(before) * 9 / 10, "pages of the process's own (heap, relocated data) were dropped");
    }
}
