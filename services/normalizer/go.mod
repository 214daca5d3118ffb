module github.com/hookmesh/hookmesh/services/normalizer

go 1.26.0
