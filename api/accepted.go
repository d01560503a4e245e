package api

import (
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// smallBody caps request bodies of simple operations.
const smallBody = 16 * 1024

// acceptedError carries a 202 through Huma's error path, so operations
// whose success is 200/201 can still answer "queued, not done yet". Its
// body is {"status":"accepted","location":...}.
type acceptedError struct {
	Status   string `json:"status"`
	Location string `json:"location"`
}

func (e *acceptedError) Error() string  { return "accepted; poll " + e.Location }
func (e *acceptedError) Unwrap() error  { return errPending }
func (e *acceptedError) GetStatus() int { return http.StatusAccepted }
func (e *acceptedError) GetHeaders() http.Header {
	return http.Header{"Location": []string{e.Location}}
}

// pendingAsAccepted turns errPending into a 202 with Location; other errors pass.
func pendingAsAccepted(err error, location string) error {
	if errors.Is(err, errPending) {
		return &acceptedError{Status: "accepted", Location: location}
	}
	return err
}

var _ huma.StatusError = (*acceptedError)(nil)
var _ huma.HeadersError = (*acceptedError)(nil)
