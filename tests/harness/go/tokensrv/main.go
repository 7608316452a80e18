// tokensrv: a Docker registry token server (the `auth: token:` scheme of distribution 2.8.3) for
// arbor's integration tests.
//
//	tokensrv gencert DIR
//	    DIR/token.key (ECDSA P-256, PKCS#8 PEM, 0600) and DIR/token.crt (self-signed, PEM); token.crt
//	    is the registry's auth.token.rootcertbundle. Existing files are kept.
//	tokensrv htpasswd USER [-cost N] < password
//	    prints a bcrypt htpasswd line (distribution's htpasswd auth accepts bcrypt only)
//	tokensrv serve -addr A -dir DIR -issuer I -service S -users-file F [-header x5c|kid] [-ttl 60s] [-addr-file F]
//
// serve answers
//
//	GET  /token?service=S&scope=T:N:A[&scope=...][&offline_token=true]  (HTTP basic auth)
//	POST /token  form grant_type=password (username, password) or grant_type=refresh_token
//	             (refresh_token), with service and scope (space-separated scopes)
//
// with {"token", "access_token", "expires_in", "issued_at"[, "refresh_token"]}. A refresh token is
// issued on a POST password grant, and on a GET with offline_token=true; it is kept in memory.
// The users file holds `user:password` lines. Valid users get every requested action (pull, push,
// delete, *), except the user `readonly`, who gets pull only. No credentials: a token with empty
// access. Wrong credentials: 401.
//
// The token is a JWT signed ES256 (raw r||s), header {typ, alg, x5c: [base64 DER cert]} or
// {typ, alg, kid: libtrust key ID}; claims iss, sub, aud (= service), exp, nbf, iat, jti and
// access: [{type, name, actions}]. With -registry-leeway D the exp claim is D earlier than
// expires_in says, to cancel the clock-skew leeway the registry adds (60s in distribution 2.8.3).
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// libtrustKeyID is the key ID format distribution's token auth matches a JWT `kid` against:
// the first 240 bits of sha256(DER SubjectPublicKeyInfo), base32, in 12 groups of 4, ':'-joined.
func libtrustKeyID(spki []byte) string {
	sum := sha256.Sum256(spki)
	enc := base32.StdEncoding.EncodeToString(sum[:30]) // 240 bits = 48 base32 chars, no padding
	groups := make([]string, 0, 12)
	for i := 0; i < len(enc); i += 4 {
		groups = append(groups, enc[i:i+4])
	}
	return strings.Join(groups, ":")
}

func gencert(dir string) error {
	keyPath, crtPath := filepath.Join(dir, "token.key"), filepath.Join(dir, "token.crt")
	if _, err := os.Stat(keyPath); err == nil {
		if _, err := os.Stat(crtPath); err == nil {
			return nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "arbor test token signer"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(crtPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func readUsers(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, p, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: line without ':'", path)
		}
		users[u] = p
	}
	return users, sc.Err()
}

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// parseScope reads type:name:actions; the name may contain ':' (split at the first and last ':').
func parseScope(s string) (access, bool) {
	i, j := strings.Index(s, ":"), strings.LastIndex(s, ":")
	if i <= 0 || i == j {
		return access{}, false
	}
	a := access{Type: s[:i], Name: s[i+1 : j]}
	for _, act := range strings.Split(s[j+1:], ",") {
		if act != "" {
			a.Actions = append(a.Actions, act)
		}
	}
	return a, true
}

type server struct {
	key      *ecdsa.PrivateKey
	certDER  []byte
	kid      string
	header   string
	issuer   string
	service  string
	ttl      time.Duration
	leeway   time.Duration
	users    map[string]string
	mu       sync.Mutex
	refreshs map[string]string // refresh token -> user
}

func (s *server) sign(user string, acc []access) (string, time.Time, error) {
	now := time.Now()
	hdr := map[string]any{"typ": "JWT", "alg": "ES256"}
	if s.header == "kid" {
		hdr["kid"] = s.kid
	} else {
		hdr["x5c"] = []string{base64.StdEncoding.EncodeToString(s.certDER)}
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", now, err
	}
	if acc == nil {
		acc = []access{}
	}
	// exp is in whole seconds: rounded up, so the registry accepts the token for at least ttl
	// (truncated, a 1s token could be refused the instant it is issued).
	exp := now.Add(s.ttl - s.leeway)
	expSecs := exp.Unix()
	if exp.Nanosecond() > 0 {
		expSecs++
	}
	claims := map[string]any{
		"iss": s.issuer, "sub": user, "aud": s.service,
		"exp": expSecs, "nbf": now.Add(-time.Second).Unix(), "iat": now.Unix(),
		"jti": hex.EncodeToString(jti), "access": acc,
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return "", now, err
	}
	cj, err := json.Marshal(claims)
	if err != nil {
		return "", now, err
	}
	signing := b64url(hj) + "." + b64url(cj)
	digest := sha256.Sum256([]byte(signing))
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", now, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return signing + "." + b64url(sig), now, nil
}

func (s *server) newRefresh(user string) string {
	b := make([]byte, 24)
	rand.Read(b)
	t := b64url(b)
	s.mu.Lock()
	s.refreshs[t] = user
	s.mu.Unlock()
	return t
}

func tokenError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="arbor test token server"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"error": code, "error_description": msg,
		"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": msg}},
	})
}

func (s *server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "GET or POST only")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if svc := r.Form.Get("service"); svc != "" && svc != s.service {
		tokenError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("unknown service %q", svc))
		return
	}
	var user string
	authenticated, issueRefresh := false, false
	checkPassword := func(u, p string) bool {
		want, ok := s.users[u]
		return ok && want == p
	}
	if r.Method == http.MethodPost {
		switch gt := r.PostForm.Get("grant_type"); gt {
		case "password":
			user = r.PostForm.Get("username")
			if !checkPassword(user, r.PostForm.Get("password")) {
				tokenError(w, http.StatusUnauthorized, "invalid_grant", "invalid username or password")
				return
			}
			authenticated, issueRefresh = true, true
		case "refresh_token":
			s.mu.Lock()
			u, ok := s.refreshs[r.PostForm.Get("refresh_token")]
			s.mu.Unlock()
			if !ok {
				tokenError(w, http.StatusUnauthorized, "invalid_grant", "unknown refresh token")
				return
			}
			user, authenticated = u, true
		default:
			tokenError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q", gt))
			return
		}
	} else if u, p, ok := r.BasicAuth(); ok {
		if !checkPassword(u, p) {
			tokenError(w, http.StatusUnauthorized, "invalid_grant", "invalid username or password")
			return
		}
		user, authenticated = u, true
		issueRefresh = r.Form.Get("offline_token") == "true"
	} else if r.Header.Get("Authorization") != "" {
		tokenError(w, http.StatusUnauthorized, "invalid_request", "unsupported Authorization scheme")
		return
	}
	var scopes []string
	for _, sc := range r.Form["scope"] {
		scopes = append(scopes, strings.Fields(sc)...) // the OAuth2 form packs scopes space-separated
	}
	acc := []access{}
	if authenticated {
		for _, sc := range scopes {
			a, ok := parseScope(sc)
			if !ok {
				continue
			}
			if user == "readonly" {
				var keep []string
				for _, act := range a.Actions {
					if act == "pull" {
						keep = append(keep, act)
					}
				}
				a.Actions = keep
			}
			if len(a.Actions) > 0 {
				acc = append(acc, a)
			}
		}
	}
	tok, now, err := s.sign(user, acc)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	resp := map[string]any{
		"token": tok, "access_token": tok,
		"expires_in": int(s.ttl / time.Second), "issued_at": now.UTC().Format(time.RFC3339),
	}
	if issueRefresh {
		resp["refresh_token"] = s.newRefresh(user)
	}
	log.Printf("%s token: user=%q scopes=%q granted=%v", r.Method, user, scopes, acc)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(resp)
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0 = any free port)")
	addrFile := fs.String("addr-file", "", "write the bound host:port to this file once listening")
	dir := fs.String("dir", ".", "directory with token.key and token.crt (see gencert)")
	issuer := fs.String("issuer", "arbor-test-issuer", "iss claim (registry auth.token.issuer)")
	service := fs.String("service", "arbor-test-registry", "aud claim (registry auth.token.service)")
	usersFile := fs.String("users-file", "", "file of user:password lines")
	header := fs.String("header", "x5c", "how the JWT header names the key: x5c or kid")
	ttl := fs.Duration("ttl", 60*time.Second, "token lifetime")
	leeway := fs.Duration("registry-leeway", 0, "subtract this from the exp claim (not from expires_in): "+
		"distribution 2.8.3 accepts tokens up to 60s past exp, so -ttl 3s -registry-leeway 60s makes it reject them after 3s")
	fs.Parse(args)
	if *header != "x5c" && *header != "kid" {
		return fmt.Errorf("-header must be x5c or kid")
	}
	if *usersFile == "" {
		return errors.New("-users-file is required")
	}
	users, err := readUsers(*usersFile)
	if err != nil {
		return err
	}
	kb, err := os.ReadFile(filepath.Join(*dir, "token.key"))
	if err != nil {
		return err
	}
	kblk, _ := pem.Decode(kb)
	if kblk == nil {
		return errors.New("token.key: no PEM block")
	}
	anyKey, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
	if err != nil {
		return err
	}
	key, ok := anyKey.(*ecdsa.PrivateKey)
	if !ok {
		return errors.New("token.key: not an ECDSA key")
	}
	cb, err := os.ReadFile(filepath.Join(*dir, "token.crt"))
	if err != nil {
		return err
	}
	cblk, _ := pem.Decode(cb)
	if cblk == nil {
		return errors.New("token.crt: no PEM block")
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	s := &server{key: key, certDER: cblk.Bytes, kid: libtrustKeyID(spki), header: *header, issuer: *issuer,
		service: *service, ttl: *ttl, leeway: *leeway, users: users, refreshs: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.handle)
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }) // readiness
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Printf("tokensrv at http://%s/token (issuer %q, service %q, header %s, ttl %s, registry leeway %s, %d users)",
		l.Addr(), *issuer, *service, *header, *ttl, *leeway, len(users))
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	return srv.Serve(l)
}

func htpasswd(args []string) error {
	fs := flag.NewFlagSet("htpasswd", flag.ExitOnError)
	cost := fs.Int("cost", bcrypt.MinCost, "bcrypt cost (distribution checks it on every request: keep it low in tests)")
	if len(args) < 1 {
		return errors.New("usage: tokensrv htpasswd USER [-cost N] < password")
	}
	user := args[0]
	fs.Parse(args[1:])
	pw, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(strings.TrimRight(string(pw), "\r\n")), *cost)
	if err != nil {
		return err
	}
	fmt.Printf("%s:%s\n", user, h)
	return nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tokensrv gencert DIR | htpasswd USER < password | serve [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gencert":
		if len(os.Args) != 3 {
			err = errors.New("usage: tokensrv gencert DIR")
		} else {
			err = gencert(os.Args[2])
		}
	case "htpasswd":
		err = htpasswd(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}
