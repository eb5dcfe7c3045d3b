package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// httpStatus maps error codes to HTTP statuses.
func httpStatus(code string) int {
	switch code {
	case notebooks.EInvalid:
		return http.StatusBadRequest
	case notebooks.EUnauthorized:
		return http.StatusUnauthorized
	case notebooks.EForbidden:
		return http.StatusForbidden
	case notebooks.ENotFound:
		return http.StatusNotFound
	case notebooks.EConflict:
		return http.StatusConflict
	case notebooks.EBrokenFile:
		return http.StatusUnprocessableEntity
	case notebooks.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case notebooks.EUnavailable:
		return http.StatusServiceUnavailable
	case notebooks.EStorage:
		return http.StatusBadGateway
	case notebooks.ECanceled:
		return 499 // the client closed the request, as nginx counts it
	case ENotImplemented:
		return http.StatusNotImplemented
	case "unsupported_media_type":
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error *notebooks.Error `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// writeError writes err as {"error": {"code", "message"}}. Errors without a code are logged and
// shown as "internal error", so users never see internals.
func writeError(w http.ResponseWriter, err error) {
	e := notebooks.AsError(err)
	writeErrorStatus(w, httpStatus(e.Code), e)
}

func writeErrorStatus(w http.ResponseWriter, status int, e *notebooks.Error) {
	writeJSON(w, status, errorBody{Error: e})
}

// apiHandler adapts a handler returning an error: coded errors become JSON error responses.
func (s *Server) apiHandler(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if notebooks.ErrorCode(err) == notebooks.EInternal {
				s.log.Error("api", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
			}
			writeError(w, err)
		}
	})
}

// decodeJSON reads a JSON object body into v, strictly: the right content type, one object, no
// unknown fields, bounded size. Its errors say what was wrong and where.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
		// Requiring JSON also keeps plain cross-site form posts out.
		return &notebooks.Error{Code: "unsupported_media_type", Message: fmt.Sprintf("the body must be application/json, got %q", ct)}
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: the body must hold one JSON object and nothing after it")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: the body ends too early")
	case errors.As(err, &syn):
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
		}
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: the body must be a JSON object, not %s", typ.Value)
	case errors.As(err, &big):
		return notebooks.Errorf(notebooks.ETooLarge, "the body is larger than %d bytes", big.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return notebooks.Errorf(notebooks.EInvalid, "invalid JSON: %v", err)
}
