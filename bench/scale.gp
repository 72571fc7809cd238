# Plot of bench/run's scale section: command latency (left axis) and the bridge's CPU (right
# axis) against the number of PDUs polled every second. Called by bench/run with data, output.
set terminal pngcairo size 800,450 font ",10"
set output output
set title "pdu2mqtt: one bridge polling N PDUs every second"
set logscale x
set xlabel "PDUs (24 outlets each, polled every 1 s)"
set ylabel "command latency, ms (MQTT set -> confirmed state)"
set y2label "bridge CPU, % of one core"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top left
set grid
plot data using 1:4 with linespoints lw 2 title "command latency, median", \
     data using 1:5 with linespoints lw 2 dt 2 title "command latency, p99", \
     data using 1:2 axes x1y2 with linespoints lw 2 title "bridge CPU %"
