"""What the load profiles and the benchmarks share: the test bed, its processes, the traffic."""
