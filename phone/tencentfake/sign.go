package tencentfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// signatureTTL is how far a request's X-TC-Timestamp may be from the
// wall clock, as Tencent allows.
const signatureTTL = 5 * time.Minute

// verify checks r's TC3-HMAC-SHA256 signature against the configured key,
// recomputing the canonical request as Tencent documents it, and returns
// the service the credential scope names.
func (s *Server) verify(r *http.Request, body []byte) (service string, _ *apiError) {
	auth := r.Header.Get("Authorization")
	algorithm, rest, ok := strings.Cut(auth, " ")
	if !ok || algorithm != "TC3-HMAC-SHA256" {
		return "", errorf("AuthFailure.InvalidAuthorization", "Authorization must be TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	credential, signedHeaders, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(credential, "/")
	if len(scope) != 4 || scope[3] != "tc3_request" || signedHeaders == "" || signature == "" {
		return "", errorf("AuthFailure.InvalidAuthorization", "Authorization is malformed: want Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders and Signature")
	}
	id, date, service := scope[0], scope[1], scope[2]
	if id != s.opts.SecretID {
		return "", errorf("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
	}

	stamp := r.Header.Get("X-TC-Timestamp")
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return "", errorf("AuthFailure.InvalidAuthorization", "X-TC-Timestamp %q is not a Unix time", stamp)
	}
	at := time.Unix(ts, 0).UTC()
	// The SDK stamps requests with the wall clock, whatever Clock says.
	if d := time.Since(at); d > signatureTTL || d < -signatureTTL {
		return "", errorf("AuthFailure.SignatureExpire", "Signature expired. Timestamp %d is %v from the server time.", ts, d.Round(time.Second))
	}
	if at.Format("2006-01-02") != date {
		return "", errorf("AuthFailure.InvalidAuthorization", "the credential's date %s is not the UTC date of X-TC-Timestamp", date)
	}

	var canonicalHeaders strings.Builder
	names := strings.Split(signedHeaders, ";")
	signed := map[string]bool{}
	for _, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		signed[name] = true
		value := r.Header.Get(name)
		if name == "host" {
			value = r.Host
		}
		canonicalHeaders.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(value)) + "\n")
	}
	if !signed["content-type"] || !signed["host"] {
		return "", errorf("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host")
	}
	payload := sha256hex(body)
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payload = sha256hex([]byte("UNSIGNED-PAYLOAD"))
	}
	query := ""
	if r.Method == http.MethodGet {
		query = r.URL.RawQuery
	}
	canonicalRequest := strings.Join([]string{
		r.Method,
		r.URL.Path,
		query,
		canonicalHeaders.String(),
		signedHeaders,
		payload,
	}, "\n")
	stringToSign := strings.Join([]string{
		"TC3-HMAC-SHA256",
		stamp,
		date + "/" + service + "/tc3_request",
		sha256hex([]byte(canonicalRequest)),
	}, "\n")

	key := hmacSHA256([]byte("TC3"+s.opts.SecretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return "", errorf("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
	}
	return service, nil
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
