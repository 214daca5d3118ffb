module github.com/hookmesh/hookmesh/services/ledger

go 1.26.0
