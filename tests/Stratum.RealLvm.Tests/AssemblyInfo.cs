// The real-LVM suite runs its test classes one after another (they share one collection, see
// Harness/RealLvmCollection.cs); this also serializes any class that forgets to join it.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
