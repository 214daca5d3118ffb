package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ParseConfig parses a DATABASE_URL (URL or key=value form) into a pool
// config with maxConns connections at most (0 keeps pgxpool's default).
// pgx redacts the password from its parse errors.
func ParseConfig(databaseURL string, maxConns int32) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %v", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	// JIT off unless the URL sets it (?jit=on). Why: PostgreSQL compiles a
	// statement's expressions with LLVM when its estimated cost passes
	// jit_above_cost (100,000 by default), and the claim's estimate grows
	// with the deliveries table. In the benchmark it crossed the line once
	// the table held about a million rows: every claim then compiled 291
	// to 556 functions (auto_explain logged 213 claims over 150 ms, median
	// 252 ms, longest 3.5 s, against 2-8 ms without), the claims became
	// the limit of the delivery rate (138 deliveries/s under 500
	// webhooks/s) and PostgreSQL's CPU per webhook rose five-fold. The
	// ledger's statements are short and run thousands of times a second:
	// compiling never pays for itself here.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	return cfg, nil
}

// Connect opens a pool and proves it works with a ping. A database that does
// not exist yet is created first, so a fresh PostgreSQL needs no manual step.
// The error wraps an apperr class (ErrUnavailable while the server cannot be
// reached), so callers can tell a down database from a broken config.
func Connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := open(ctx, cfg)
	if err == nil {
		return pool, nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return nil, mapErr("connect", err)
	}
	if err := createDatabase(ctx, cfg.ConnConfig); err != nil {
		return nil, mapErr(fmt.Sprintf("create database %q", cfg.ConnConfig.Database), err)
	}
	pool, err = open(ctx, cfg)
	if err != nil {
		return nil, mapErr("connect", err)
	}
	return pool, nil
}

func open(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// pgxpool connects lazily; ping so a missing database or a down server
	// shows here and not on the first webhook.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// createDatabase creates cc.Database through the maintenance database
// "postgres" of the same server. The name is quoted as an identifier: it
// comes from configuration and may hold any character.
func createDatabase(ctx context.Context, cc *pgx.ConnConfig) error {
	admin := cc.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cc.Database}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: a replica won the race
		return nil
	}
	return err
}
