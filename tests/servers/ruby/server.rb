# server.rb -- WEBrick on 127.0.0.1:PORT (ARGV[0]), logger and access log on $stderr, /r/ answers 200 and logs a line.
require 'webrick'

port = Integer(ARGV[0])
log = WEBrick::Log.new($stderr)
server = WEBrick::HTTPServer.new(
  BindAddress: '127.0.0.1',
  Port: port,
  Logger: log,
  AccessLog: [[$stderr, WEBrick::AccessLog::COMMON_LOG_FORMAT]],
  DoNotReverseLookup: true
)
server.mount_proc('/r/') do |req, res|
  $stderr.puts "handler #{req.path}"
  res.status = 200
  res['Content-Type'] = 'text/plain'
  res.body = "ok\n"
end
trap('TERM') { server.shutdown }
server.start
