module github.com/hookmesh/hookmesh/services/ledger

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/hookmesh/hookmesh/gen v0.0.0
	github.com/hookmesh/hookmesh/services/internal v0.0.0
	github.com/jackc/pgx/v5 v5.12.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)
