module hellodevops/bench/go

go 1.19
