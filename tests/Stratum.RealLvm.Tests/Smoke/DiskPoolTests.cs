using Stratum.RealLvm.Tests.Harness;

namespace Stratum.RealLvm.Tests.Smoke;

/// <summary>The slices the harness carves for PVs behave as promised.</summary>
[Collection(RealLvmCollection.Name)]
public sealed class DiskPoolTests(TestbedFixture testbed)
{
    [Fact]
    public async Task SlicesOfOneRequestLandOnDifferentDisksAndGoBackWhenReleased()
    {
        var before = testbed.Pool.FreeBytes;
        var slices = await testbed.Pool.AllocateAsync(2, 100 * 1024 * 1024, nameof(DiskPoolTests));
        try
        {
            Assert.Equal(2, slices.Select(s => s.Disk).Distinct().Count());
            Assert.All(slices, s => Assert.Equal(100L * 1024 * 1024, s.SizeBytes));
            foreach (var slice in slices)
            {
                var size = await Sh.RunAsync("blockdev", "--getsize64", slice.DevicePath);
                Assert.Equal("104857600", size.Stdout.Trim());
            }
        }
        finally
        {
            foreach (var slice in slices)
            {
                await testbed.Pool.ReleaseAsync(slice);
            }
        }
        Assert.Equal(before, testbed.Pool.FreeBytes);
        Assert.All(slices, s => Assert.False(File.Exists(s.DevicePath)));
    }

    [Fact]
    public async Task AskingForMoreThanTheDisksHoldFailsClearly()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => testbed.Pool.AllocateAsync(1, 1L << 50, nameof(DiskPoolTests)));

        Assert.Contains("too full", error.Message);
    }
}
