namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// The collection every real-LVM test class belongs to: <c>[Collection(RealLvmCollection.Name)]</c>.
/// Its fixture checks, once, that the tests run inside the VM testbed and fails every test of
/// the collection loudly if not. Classes in one collection run one after another; see
/// README.md for why the real-LVM suite runs serially.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealLvmCollection : ICollectionFixture<TestbedFixture>
{
    public const string Name = "real LVM";
}

/// <summary>Asserts the testbed is there (see <see cref="Testbed.Require"/>).</summary>
public sealed class TestbedFixture
{
    public TestbedFixture() => Testbed.Require();

    public IReadOnlyList<string> Disks => Testbed.Disks;

    public DiskPool Pool => DiskPool.Shared;
}
