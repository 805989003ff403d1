#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%%
%% A TLS 1.3 peer on Erlang/OTP's ssl application, for the interop suite
%% (test/peers/erlang-ssl.test.ts). OTP implements the TLS state machine, the record layer and
%% certificate path validation in Erlang (only the primitives come from libcrypto), so it is an
%% oracle apart from OpenSSL, GnuTLS, NSS, Go and Node. It writes one JSON object per line on
%% stdout for each event, so the test reads what OTP negotiated and verified. Run with Debian's
%% escript (erlang-base, erlang-ssl: OTP 25).
%%
%%   peer.escript server -cert F -key F -ca F [-client-auth require|request|none] [-groups G,..]
%%                       [-ciphers S,..] [-alpn P,..] [-tickets] [-lines N]
%%   peer.escript client -connect H:P -servername N -ca F [-cert F -key F] [-groups G,..]
%%                       [-ciphers S,..] [-alpn P,..] [-connections N] [-line TEXT | -bytes N]
%%                       [-key-update]
%%
%% The server listens on 127.0.0.1, an ephemeral port, and echoes what a client sends until the
%% client closes, or, with -lines, until it has echoed N lines and closes first. The client sends -line (or -bytes of a fixed pattern), reads it back, then sends
%% close_notify and closes; -key-update makes it send a KeyUpdate with update_requested
%% first and a second line after it. Every wait has a deadline.

%% Compiled, not interpreted: the 1 MiB exchanges compare every byte.
-mode(compile).

-define(DEADLINE, 20000).

main(["server" | Args]) ->
    start(),
    serve(parse(Args, #{}));
main(["client" | Args]) ->
    start(),
    connect(parse(Args, #{}));
main(_) ->
    fatal("usage: peer.escript server|client [flags]").

start() ->
    {ok, _} = application:ensure_all_started(ssl).

fatal(Text) ->
    io:format(standard_error, "peer: ~s~n", [Text]),
    halt(2).

%% Flags: "-name value", except the boolean ones.
parse([], Acc) -> Acc;
parse(["-tickets" | Rest], Acc) -> parse(Rest, Acc#{"tickets" => true});
parse(["-key-update" | Rest], Acc) -> parse(Rest, Acc#{"key-update" => true});
parse(["-" ++ Name, Value | Rest], Acc) -> parse(Rest, Acc#{Name => Value});
parse([Other | _], _) -> fatal("unknown argument " ++ Other).

opt(Name, Flags, Default) -> maps:get(Name, Flags, Default).

list(Text) -> string:lexemes(Text, ",").

%% --- JSON lines -------------------------------------------------------------------------------

emit(Event) ->
    io:put_chars([json(Event), $\n]).

json(Map) when is_map(Map) ->
    Fields = [[json(to_binary(K)), $:, json(V)] || {K, V} <- maps:to_list(Map)],
    [${, lists:join($,, Fields), $}];
json(true) -> <<"true">>;
json(false) -> <<"false">>;
json(null) -> <<"null">>;
json(N) when is_integer(N) -> integer_to_binary(N);
json(List) when is_list(List) -> json(unicode:characters_to_binary(List));
json(Atom) when is_atom(Atom) -> json(atom_to_binary(Atom));
json(Bin) when is_binary(Bin) -> [$", escape(Bin), $"].

escape(Bin) ->
    [case C of
         $" -> <<"\\\"">>;
         $\\ -> <<"\\\\">>;
         _ when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
         _ -> <<C/utf8>>
     end || <<C/utf8>> <= Bin].

to_binary(B) when is_binary(B) -> B;
to_binary(A) when is_atom(A) -> atom_to_binary(A);
to_binary(L) when is_list(L) -> unicode:characters_to_binary(L).

%% ssl's errors are Erlang terms; the test matches on their text (the alert's name among them).
error_event(Stage, Reason) ->
    #{event => error, stage => Stage, error => iolist_to_binary(io_lib:format("~0p", [Reason]))}.

%% --- what OTP negotiated ----------------------------------------------------------------------

describe(Socket) ->
    case ssl:connection_information(Socket, [protocol, selected_cipher_suite, session_resumption]) of
        {ok, Info} -> describe(Socket, Info);
        %% A client whose handshake the server refuses after its Finished.
        {error, Reason} -> error_event(connection_information, Reason)
    end.

describe(Socket, Info) ->
    Suite = ssl:suite_to_str(proplists:get_value(selected_cipher_suite, Info)),
    Alpn = case ssl:negotiated_protocol(Socket) of
               {ok, P} -> P;
               {error, _} -> <<>>
           end,
    Peer = case ssl:peercert(Socket) of
               {ok, Der} -> hex(crypto:hash(sha256, Der));
               {error, _} -> null
           end,
    #{event => handshake,
      version => proplists:get_value(protocol, Info),
      suite => Suite,
      resumed => proplists:get_value(session_resumption, Info, false),
      alpn => Alpn,
      %% The SHA-256 of the leaf certificate OTP verified: the test compares it with the fixture's DER.
      peerSha256 => Peer}.

hex(Bin) -> << <<(hexdigit(N))>> || <<N:4>> <= Bin >>.
hexdigit(N) when N < 10 -> $0 + N;
hexdigit(N) -> $a + N - 10.

%% --- options ----------------------------------------------------------------------------------

common_options(Flags) ->
    Groups = [list_to_atom(G) || G <- list(opt("groups", Flags, ""))],
    Suites = [ssl:str_to_suite(S) || S <- list(opt("ciphers", Flags, ""))],
    [{versions, ['tlsv1.3']}, {active, false}, {mode, binary}, {cacertfile, opt("ca", Flags, "")}]
        ++ [{supported_groups, Groups} || Groups =/= []]
        ++ [{ciphers, Suites} || Suites =/= []]
        ++ credential(Flags).

credential(Flags) ->
    case opt("cert", Flags, "") of
        "" -> [];
        Cert -> [{certfile, Cert}, {keyfile, opt("key", Flags, "")}]
    end.

alpn(Flags) -> [list_to_binary(P) || P <- list(opt("alpn", Flags, ""))].

%% --- server -----------------------------------------------------------------------------------

serve(Flags) ->
    Auth = case opt("client-auth", Flags, "require") of
               "require" -> [{verify, verify_peer}, {fail_if_no_peer_cert, true}];
               "request" -> [{verify, verify_peer}, {fail_if_no_peer_cert, false}];
               "none" -> [{verify, verify_none}];
               Other -> fatal("unknown -client-auth " ++ Other)
           end,
    Protocols = alpn(Flags),
    Options = common_options(Flags) ++ Auth
        ++ [{alpn_preferred_protocols, Protocols} || Protocols =/= []]
        ++ [{session_tickets, stateless} || maps:is_key("tickets", Flags)]
        ++ [{ip, {127, 0, 0, 1}}, {reuseaddr, true}, {exit_on_close, false}],
    put(flags, Flags),
    {ok, Listen} = ssl:listen(0, Options),
    {ok, {_, Port}} = ssl:sockname(Listen),
    emit(#{event => listening, address => io_lib:format("127.0.0.1:~b", [Port])}),
    accept_loop(Listen).

accept_loop(Listen) ->
    case ssl:transport_accept(Listen) of
        {ok, Socket} ->
            Lines = list_to_integer(opt("lines", get(flags), "0")),
            Pid = spawn(fun() -> receive go -> echo(Socket, Lines) end end),
            ok = ssl:controlling_process(Socket, Pid),
            Pid ! go;
        {error, Reason} ->
            emit(error_event(accept, Reason))
    end,
    accept_loop(Listen).

echo(Socket, Lines) ->
    case ssl:handshake(Socket, ?DEADLINE) of
        {ok, S} ->
            emit(describe(S)),
            echo_loop(S, Lines);
        {error, Reason} ->
            emit(error_event(handshake, Reason))
    end.

%% Lines: after echoing that many lines, the server closes first (0: it waits for the client's
%% close_notify).
echo_loop(S, Lines) ->
    case ssl:recv(S, 0, ?DEADLINE) of
        {ok, Data} ->
            Left = Lines - length(binary:matches(Data, <<"\n">>)),
            case ssl:send(S, Data) of
                ok when Lines > 0, Left =< 0 ->
                    emit(#{event => closed, clean => true, by => server}),
                    ssl:close(S);
                ok -> echo_loop(S, Left);
                {error, Reason} -> emit(error_event(write, Reason)), ssl:close(S)
            end;
        {error, closed} ->
            %% The client's close_notify.
            emit(#{event => closed, clean => true}),
            ssl:close(S);
        {error, Reason} ->
            emit(error_event(read, Reason)),
            ssl:close(S)
    end.

%% --- client -----------------------------------------------------------------------------------

connect(Flags) ->
    [Host, Port] = string:split(opt("connect", Flags, ""), ":", trailing),
    Protocols = alpn(Flags),
    Options = common_options(Flags)
        ++ [{verify, verify_peer}, {server_name_indication, opt("servername", Flags, "localhost")}]
        ++ [{alpn_advertised_protocols, Protocols} || Protocols =/= []]
        %% auto: OTP keeps the tickets it receives and offers one on the next connection.
        ++ [{session_tickets, auto}],
    Count = list_to_integer(opt("connections", Flags, "1")),
    Results = [exchange(Host, list_to_integer(Port), Options, Flags) || _ <- lists:seq(1, Count)],
    halt(case lists:all(fun(R) -> R end, Results) of true -> 0; false -> 1 end).

exchange(Host, Port, Options, Flags) ->
    case ssl:connect(Host, Port, Options, ?DEADLINE) of
        {ok, S} ->
            emit(describe(S)),
            Ok = case opt("bytes", Flags, "0") of
                     "0" -> exchange_lines(S, Flags);
                     Size -> exchange_bytes(S, list_to_integer(Size))
                 end,
            Ok andalso close_and_drain(S);
        {error, Reason} ->
            emit(error_event(handshake, Reason)),
            false
    end.

exchange_lines(S, Flags) ->
    Line = opt("line", Flags, "ping"),
    exchange_line(S, Line) andalso
        case maps:is_key("key-update", Flags) of
            false -> true;
            true ->
                %% A KeyUpdate with update_requested: the peer must answer with its own (RFC 8446
                %% §4.6.3), or OTP could not read the echo that follows under the next key.
                ok = ssl:update_keys(S, read_write),
                exchange_line(S, Line ++ "-after-key-update")
        end.

%% TLS 1.3 client authentication fails after the client's Finished: the server's alert arrives
%% after ssl:connect returned, and OTP reports it in its log ("received SERVER ALERT") while the
%% send or the read here sees the connection closed.
exchange_line(S, Line) ->
    case ssl:send(S, [Line, $\n]) of
        ok ->
            case read_line(S, <<>>) of
                {ok, Got} -> emit(#{event => echo, line => Got}), true;
                {error, Reason} -> emit(error_event(read, Reason)), false
            end;
        {error, Reason} ->
            emit(error_event(write, Reason)),
            false
    end.

read_line(S, Acc) ->
    case binary:split(Acc, <<"\n">>) of
        [Got, _] -> {ok, Got};
        [_] ->
            case ssl:recv(S, 0, ?DEADLINE) of
                {ok, More} -> read_line(S, <<Acc/binary, More/binary>>);
                {error, Reason} -> {error, Reason}
            end
    end.

%% Byte I of a -bytes exchange.
pattern(Size) -> << <<(I rem 251)>> || I <- lists:seq(0, Size - 1) >>.

%% Writes Size bytes from another process while reading them back (the echo starts before the
%% writing ends), then compares.
exchange_bytes(S, Size) ->
    Sent = pattern(Size),
    Self = self(),
    spawn(fun() -> Self ! {written, send_chunks(S, Sent)} end),
    case read_bytes(S, Size, []) of
        {ok, Received} ->
            receive {written, ok} -> ok after ?DEADLINE -> fatal("the writer did not finish") end,
            Mismatch = first_mismatch(Sent, Received, 0),
            emit(#{event => echo, bytes => Size, firstMismatch => Mismatch}),
            Mismatch < 0;
        {error, Reason} ->
            emit(error_event(read, Reason)),
            false
    end.

send_chunks(_, <<>>) -> ok;
send_chunks(S, Data) ->
    Size = min(byte_size(Data), 65536),
    <<Chunk:Size/binary, Rest/binary>> = Data,
    case ssl:send(S, Chunk) of
        ok -> send_chunks(S, Rest);
        Error -> Error
    end.

read_bytes(_, 0, Acc) -> {ok, iolist_to_binary(lists:reverse(Acc))};
read_bytes(S, Left, Acc) ->
    case ssl:recv(S, 0, ?DEADLINE) of
        {ok, Data} when byte_size(Data) =< Left -> read_bytes(S, Left - byte_size(Data), [Data | Acc]);
        {ok, _} -> {error, more_than_sent};
        {error, Reason} -> {error, Reason}
    end.

first_mismatch(<<>>, <<>>, _) -> -1;
first_mismatch(<<A, RestA/binary>>, <<A, RestB/binary>>, I) -> first_mismatch(RestA, RestB, I + 1);
first_mismatch(_, _, I) -> I.

%% Sends close_notify and closes. OTP's ssl:shutdown(S, write) half-closes TCP without a
%% close_notify (OpenSSL's s_server reports that as a truncation too), so a clean end is a close.
close_and_drain(S) ->
    case ssl:close(S) of
        ok -> emit(#{event => closed, clean => true}), true;
        {error, Reason} -> emit(error_event(close, Reason)), false
    end.
