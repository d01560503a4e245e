// Package transfers is the transfer saga: the goka group keyed by transfer
// id that moves stock between two warehouses. It debits the source level's
// available stock (TransferOut), and once the debit is confirmed credits
// the destination level (TransferIn). A refused debit rejects the
// transfer with nothing moved; a confirmed debit is always followed by its
// credit, across crashes (replayed inputs re-send the outstanding command)
// and lost messages (the reconciler re-drives transfers whose command is
// outstanding too long). A transfer requested in transit waits, debited,
// until ReceiveTransfer says its goods arrived, then is credited.
//
// saga.go holds the pure transitions (state in, effects out);
// processor.go wires them to goka.
package transfers
