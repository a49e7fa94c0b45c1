package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// reportAPIError carries the field the API named, if any.
type reportAPIError struct {
	apiError
	Field string `json:"field"`
}

// callAPI sends one request to incidentd and returns the body of a 2xx
// answer; otherwise an error carrying the API's own message: invalid input
// (exit 2) naming the field, not found, or the status.
func callAPI(ctx context.Context, api, method, path string, body []byte) ([]byte, error) {
	u := strings.TrimRight(api, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, usagef("bad --api URL: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Herald API at %s: %w", api, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("read API response: %w", err)
	}
	if resp.StatusCode/100 == 2 {
		return answer, nil
	}
	return nil, apiFailure(resp.StatusCode, answer)
}

// apiFailure turns an error answer into a domain error, the message as the
// API gave it.
func apiFailure(status int, answer []byte) error {
	var ae reportAPIError
	_ = json.Unmarshal(answer, &ae)
	msg := ae.Error
	if msg == "" {
		msg = http.StatusText(status)
	}
	switch {
	case status == http.StatusBadRequest || ae.Code == incident.CodeInvalid:
		// The API's message starts with the field ("reasons: ..."), which
		// the error puts back.
		if ae.Field != "" {
			msg = strings.TrimPrefix(msg, ae.Field+": ")
		}
		return &incident.Error{Code: incident.CodeInvalid, Field: ae.Field, Message: msg}
	case status == http.StatusNotFound || ae.Code == incident.CodeNotFound:
		return incident.NotFound("%s", msg)
	}
	return fmt.Errorf("API answered %d: %s", status, msg)
}
