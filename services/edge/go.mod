module github.com/hookmesh/hookmesh/services/edge

go 1.26.0
