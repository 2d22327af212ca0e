// One Chromium and one model server at a time: the machine has two cores and the tests wait on
// real generations, which a parallel class would slow past the timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
