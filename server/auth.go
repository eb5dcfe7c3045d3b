package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// CookieName is the session cookie set after a browser opens /?token=TOKEN.
const CookieName = "lakebook_session"

// sessionCookieValue derives the cookie from the token, so the token itself never sits in the
// browser's cookie jar and a leaked cookie does not reveal it.
func sessionCookieValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("lakebook session cookie v1"))
	return hex.EncodeToString(m.Sum(nil))
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticated reports whether r carries the token (Authorization: Bearer) or the session cookie.
func (s *Server) authenticated(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		return ok && equalSecret(strings.TrimSpace(tok), s.opts.Token)
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return equalSecret(c.Value, s.cookie)
	}
	return false
}

// requireAuth refuses unauthenticated requests with 401, and cross-origin browser requests that
// change state with 403, so a page on another site cannot act with the user's cookie.
func (s *Server) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authenticated(r) {
			writeError(w, notebooks.Errorf(notebooks.EUnauthorized, "missing or wrong token: send Authorization: Bearer TOKEN or open /?token=TOKEN"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/ws/") {
			if !s.originAllowed(r) {
				writeError(w, notebooks.Errorf(notebooks.EForbidden, "origin %q may not use this server (see --allowed-origin)", r.Header.Get("Origin")))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed accepts requests without an Origin header (scripts, curl) and browser requests
// from the server's own origin or one listed in Options.AllowedOrigins.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return s.origins[normalizeOrigin(origin)]
}

func normalizeOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

// loginFromQuery handles /?token=TOKEN: a right token sets the session cookie and redirects to
// the same page without the token, so it does not stay in the address bar or history.
func (s *Server) loginFromQuery(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		return false
	}
	if !equalSecret(tok, s.opts.Token) {
		return false
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    s.cookie,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   r.TLS != nil,
	})
	q := r.URL.Query()
	q.Del("token")
	u := *r.URL
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
	return true
}
