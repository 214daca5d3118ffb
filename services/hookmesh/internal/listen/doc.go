// Package listen is `hookmesh listen`: it follows the ledger's event stream
// (WatchEvents), prints each event as it is recorded, and can forward it to
// an application on this machine, the way `stripe listen --forward-to`
// does: the original body and headers over HTTP (so the application's own
// signature check runs), the normalized event as JSON, or the handler
// contract over gRPC (hookmesh.handler.v1.EventHandlerService).
//
// Forwarding goes to loopback addresses only unless the caller allows
// others (Options.AllowRemote): a listen started with a mistyped or
// hostile target must not send webhook bodies, which carry personal data,
// off the machine. Every connection is checked, not just the first, and
// the address checked is the address dialled.
//
// A listen that stops (Ctrl-C, a laptop's sleep, a lost ledger) resumes
// where it stopped: the cursor of the last event handled is kept in a
// small state file, and the next run starts after it unless told
// otherwise (Options.From). An event is forwarded before its cursor is
// saved, so a listen killed between the two forwards that event again:
// at least once, like every hookmesh delivery.
package listen
