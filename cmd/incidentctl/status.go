package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// maxResponse bounds what we read from the API.
const maxResponse = 32 << 20

// apiError is the API's error body.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("status", e)
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	body, err := getIncident(ctx, e.cfg.api, id)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintln(e.stdout, strings.TrimRight(string(body), "\n"))
		return err
	}
	var v incident.Overview
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("decode API response: %w", err)
	}
	printStatus(e.stdout, v, noticeURL(e.cfg.api, v))
	return nil
}

// getIncident fetches one incident's view and turns API errors into messages.
func getIncident(ctx context.Context, api, id string) ([]byte, error) {
	return getIncidentPart(ctx, api, id, "")
}

// getIncidentPart fetches the incident's view, or a part of it under the
// incident's path ("/decisions"), and turns API errors into messages.
func getIncidentPart(ctx context.Context, api, id, part string) ([]byte, error) {
	u := strings.TrimRight(api, "/") + "/api/v1/incidents/" + url.PathEscape(id) + part
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, usagef("bad --api URL: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Herald API at %s: %w", api, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("read API response: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return body, nil
	}
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	if resp.StatusCode == http.StatusNotFound || ae.Code == incident.CodeNotFound {
		return nil, fmt.Errorf("incident %s not found at %s", id, api)
	}
	if ae.Error == "" {
		ae.Error = http.StatusText(resp.StatusCode)
	}
	return nil, fmt.Errorf("get incident %s: API answered %d: %s", id, resp.StatusCode, ae.Error)
}

func noticeURL(api string, v incident.Overview) string {
	if v.Notice == nil {
		return ""
	}
	if v.NoticeURL != "" { // the daemon's public URL, as people see it
		return v.NoticeURL
	}
	return strings.TrimRight(api, "/") + "/notices/" + url.PathEscape(v.Incident.ID)
}
