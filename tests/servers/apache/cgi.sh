#!/bin/sh
# cgi.sh -- test CGI: names its own request path on stderr and answers with a short text body.
echo "cgi $REQUEST_URI" >&2
printf 'Content-Type: text/plain\r\n\r\nhello %s\n' "$REQUEST_URI"
