package orders_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stockflow/stockflow/processors/orders"
	"github.com/stockflow/stockflow/processors/stock"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func place(lines ...*pb.LineRequest) *pb.PlaceOrder {
	return &pb.PlaceOrder{UserId: "u1", ShopId: "s1", Lines: lines, TtlSeconds: 1800}
}

func line(product string, qty int64, warehouses ...string) *pb.LineRequest {
	return &pb.LineRequest{ProductId: product, Quantity: qty, WarehouseIds: warehouses}
}

func reply(product, warehouse string, qty int64) *pb.StockReply {
	return &pb.StockReply{OrderId: "o1", ProductId: product, WarehouseId: warehouse, Kind: pb.StockCommandKind_STOCK_COMMAND_KIND_RESERVE, Quantity: qty}
}

// cmd summarises a stock command as "verb product@warehouse qty".
func cmd(c *pb.StockCommand) string {
	switch k := c.GetKind().(type) {
	case *pb.StockCommand_Reserve:
		return "reserve " + c.GetProductId() + "@" + c.GetWarehouseId() + " " + itoa(k.Reserve.GetQuantity())
	case *pb.StockCommand_Release:
		return "release " + c.GetProductId() + "@" + c.GetWarehouseId()
	case *pb.StockCommand_Commit:
		return "commit " + c.GetProductId() + "@" + c.GetWarehouseId()
	}
	return "?"
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func cmds(e orders.Effects) []string {
	var out []string
	for _, c := range e.Commands {
		out = append(out, cmd(c))
	}
	return out
}

func equal(a, b []string) bool { return slices.Equal(a, b) }

func mustPlace(t *testing.T, p *pb.PlaceOrder, wantCmds ...string) *pb.OrderState {
	t.Helper()
	s, eff, err := orders.Place("o1", p, now)
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	if got := cmds(eff); !equal(got, wantCmds) {
		t.Fatalf("place sent %v, want %v", got, wantCmds)
	}
	return s
}

// answering sets r's command id to the outstanding command it answers
// ("none" when nothing outstanding matches: a duplicate).
func answering(s *pb.OrderState, r *pb.StockReply) *pb.StockReply {
	r.CommandId = "none"
	for _, c := range s.GetOutstanding() {
		if c.GetProductId() == r.GetProductId() && c.GetWarehouseId() == r.GetWarehouseId() && stock.KindOf(c) == r.GetKind() {
			r.CommandId = c.GetCommandId()
		}
	}
	return r
}

func expectReply(t *testing.T, s *pb.OrderState, r *pb.StockReply, status pb.OrderStatus, wantCmds ...string) orders.Effects {
	t.Helper()
	eff := orders.OnReply(s, answering(s, r), now)
	if got := cmds(eff); !equal(got, wantCmds) {
		t.Fatalf("reply %s@%s x%d sent %v, want %v", r.GetProductId(), r.GetWarehouseId(), r.GetQuantity(), got, wantCmds)
	}
	if s.GetOrder().GetStatus() != status {
		t.Fatalf("status %v, want %v", s.GetOrder().GetStatus(), status)
	}
	return eff
}

const (
	pending   = pb.OrderStatus_ORDER_STATUS_PENDING
	reserved  = pb.OrderStatus_ORDER_STATUS_RESERVED
	rejected  = pb.OrderStatus_ORDER_STATUS_REJECTED
	paid      = pb.OrderStatus_ORDER_STATUS_PAID
	cancelled = pb.OrderStatus_ORDER_STATUS_CANCELLED
	expired   = pb.OrderStatus_ORDER_STATUS_EXPIRED
)

func TestOrderIsReservedWhenEveryLineIsHeld(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 2, "w1"), line("p2", 1, "w1")), "reserve p1@w1 2", "reserve p2@w1 1")
	expectReply(t, s, reply("p1", "w1", 2), pending)
	eff := expectReply(t, s, reply("p2", "w1", 1), reserved)
	if !eff.Publish {
		t.Fatal("reserved order was not published")
	}
}

func TestLineIsSplitAcrossWarehousesWhenOneIsShort(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 5, "w1", "w2")), "reserve p1@w1 5")
	expectReply(t, s, reply("p1", "w1", 3), pending, "reserve p1@w2 2")
	expectReply(t, s, reply("p1", "w2", 2), reserved)
	if a := s.GetOrder().GetLines()[0].GetAllocations(); len(a) != 2 || a[0].GetQuantity() != 3 || a[1].GetQuantity() != 2 {
		t.Fatalf("allocations %v, want w1 x3 and w2 x2", a)
	}
}

func TestShortSecondLineRejectsAndReleasesTheFirst(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 1, "w1"), line("p2", 4, "w1")), "reserve p1@w1 1", "reserve p2@w1 4")
	expectReply(t, s, reply("p1", "w1", 1), pending)
	eff := expectReply(t, s, reply("p2", "w1", 1), rejected, "release p1@w1", "release p2@w1")
	if !eff.Publish {
		t.Fatal("rejection was not published")
	}
	if p := s.GetOrder().GetProblem(); p.GetCode() != pb.ErrorCode_ERROR_CODE_INSUFFICIENT_STOCK || p.GetField() != "lines[1].quantity" {
		t.Fatalf("problem %v, want insufficient stock on lines[1].quantity", p)
	}
}

func TestRejectionReleasesReservationsStillInFlight(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 1, "w1"), line("p2", 1, "w1")), "reserve p1@w1 1", "reserve p2@w1 1")
	// p1's reserve is still in flight: nothing to release yet.
	expectReply(t, s, reply("p2", "w1", 0), rejected)
	// It answers late: what it held is released.
	expectReply(t, s, reply("p1", "w1", 1), rejected, "release p1@w1")
	if len(s.GetOutstanding()) != 1 {
		t.Fatalf("outstanding %v, want the release only", s.GetOutstanding())
	}
}

func TestOutstandingCommandsAreResentExactlyAsFirstSent(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 1, "w1"), line("p2", 1, "w1")), "reserve p1@w1 1", "reserve p2@w1 1")
	s.Outstanding[0].Source, s.Outstanding[0].SourceOffset = "order-commands/3", 41
	expectReply(t, s, reply("p2", "w1", 1), pending)
	eff := orders.Outstanding(s)
	if len(eff.Commands) != 1 || eff.Commands[0].GetSourceOffset() != 41 || cmd(eff.Commands[0]) != "reserve p1@w1 1" {
		t.Fatalf("re-sent %v, want the p1 reserve with its original stamp", eff.Commands)
	}
}

func TestDuplicateRepliesChangeNothing(t *testing.T) {
	t.Parallel()
	s := mustPlace(t, place(line("p1", 2, "w1")), "reserve p1@w1 2")
	expectReply(t, s, reply("p1", "w1", 2), reserved)
	eff := expectReply(t, s, reply("p1", "w1", 2), reserved)
	if eff.Changed || eff.Publish {
		t.Fatalf("duplicate reply changed the order: %+v", eff)
	}
}

func TestAReplyToNothingOutstandingChangesNothing(t *testing.T) {
	t.Parallel()
	if eff := orders.OnReply(nil, reply("p1", "w1", 2), now); eff.Changed || len(eff.Commands) != 0 {
		t.Fatalf("a reply for no order changed %+v", eff)
	}
	s := reservedOrder(t)
	if eff := orders.OnReply(s, reply("p1", "w1", 2), now); eff.Changed || len(eff.Commands) != 0 {
		t.Fatalf("an unknown command's reply changed %+v", eff)
	}
}

func TestNoActiveWarehouseRejectsAtOnce(t *testing.T) {
	t.Parallel()
	s, eff, err := orders.Place("o1", place(line("p1", 1, "w1"), line("p2", 1)), now)
	if err != nil || s.GetOrder().GetStatus() != rejected || len(eff.Commands) != 0 {
		t.Fatalf("got %v, %v, %v; want rejected with nothing sent", s.GetOrder().GetStatus(), cmds(eff), err)
	}
}

func TestInvalidPlaceCommandsAreRefused(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]*pb.PlaceOrder{
		"no lines":          place(),
		"zero quantity":     place(line("p1", 0, "w1")),
		"duplicate product": place(line("p1", 1, "w1"), line("p1", 1, "w1")),
	} {
		if _, _, err := orders.Place("o1", p, now); !errors.Is(err, orders.ErrInvalidOrder) {
			t.Errorf("%s: error %v, want ErrInvalidOrder", name, err)
		}
	}
}

func reservedOrder(t *testing.T) *pb.OrderState {
	t.Helper()
	s := mustPlace(t, place(line("p1", 5, "w1", "w2")), "reserve p1@w1 5")
	expectReply(t, s, reply("p1", "w1", 3), pending, "reserve p1@w2 2")
	expectReply(t, s, reply("p1", "w2", 2), reserved)
	return s
}

func TestPayCommitsEveryHoldOnce(t *testing.T) {
	t.Parallel()
	s := reservedOrder(t)
	eff, err := orders.Pay(s, "", now)
	if err != nil || !equal(cmds(eff), []string{"commit p1@w1", "commit p1@w2"}) || s.GetOrder().GetStatus() != paid {
		t.Fatalf("pay: %v %v %v", cmds(eff), s.GetOrder().GetStatus(), err)
	}
	eff, err = orders.Pay(s, "", now)
	if err != nil || len(eff.Commands) != 0 || !eff.Publish {
		t.Fatalf("second pay: %v %v, want an idempotent answer", cmds(eff), err)
	}
	if _, err := orders.Cancel(s, "late", now); !errors.Is(err, orders.ErrWrongStatus) {
		t.Fatalf("cancel after pay: %v, want ErrWrongStatus", err)
	}
}

func TestCancelReleasesEveryHold(t *testing.T) {
	t.Parallel()
	s := reservedOrder(t)
	eff, err := orders.Cancel(s, "changed mind", now)
	if err != nil || !equal(cmds(eff), []string{"release p1@w1", "release p1@w2"}) || s.GetOrder().GetStatus() != cancelled {
		t.Fatalf("cancel: %v %v %v", cmds(eff), s.GetOrder().GetStatus(), err)
	}
	if _, err := orders.Pay(s, "", now); !errors.Is(err, orders.ErrWrongStatus) {
		t.Fatalf("pay after cancel: %v, want ErrWrongStatus", err)
	}
}

func TestExpiryReleasesOnlyOverdueReservedOrders(t *testing.T) {
	t.Parallel()
	s := reservedOrder(t)
	if eff := orders.Expire(s, now.Add(29*time.Minute)); len(eff.Commands) != 0 {
		t.Fatalf("expired early: %v", cmds(eff))
	}
	if _, err := orders.Pay(s, "", now.Add(31*time.Minute)); !errors.Is(err, orders.ErrWrongStatus) {
		t.Fatalf("pay after the deadline: %v, want ErrWrongStatus", err)
	}
	eff := orders.Expire(s, now.Add(31*time.Minute))
	if !equal(cmds(eff), []string{"release p1@w1", "release p1@w2"}) || s.GetOrder().GetStatus() != expired {
		t.Fatalf("expire: %v %v", cmds(eff), s.GetOrder().GetStatus())
	}
	if eff := orders.Expire(s, now.Add(time.Hour)); len(eff.Commands) != 0 {
		t.Fatalf("expired twice: %v", cmds(eff))
	}
}
