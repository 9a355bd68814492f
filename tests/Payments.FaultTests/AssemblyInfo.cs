// The fault tests load the (two-core) machine on purpose and time the service: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
